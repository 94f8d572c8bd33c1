// Consistent archives of an instance directory, shared by both runtime hosts: the process
// host imports it (runtime/src/backup.ts), the sandbox image runs it through snapshot.mjs.
// It lives here because the container image's build context is runtime/sandbox.
//
// Live SQLite databases are not copied byte by byte (a WAL database copied mid-write is
// torn) but through SQLite's online backup API into a staging copy; caches, temp files
// and logs are left out; then tar -czf.
import { execFile } from "node:child_process";
import {
  chmodSync,
  copyFileSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readlinkSync,
  rmSync,
  symlinkSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { backup, DatabaseSync } from "node:sqlite";
import { setTimeout as delay } from "node:timers/promises";
import { promisify } from "node:util";

const run = promisify(execFile);

/**
 * Left out of archives: caches the gateway rebuilds (the Control UI's large assets), lock
 * files, and logs. Paths are relative to the instance directory.
 */
const EXCLUDED = new Set([join("state", "cache"), join("state", "tmp"), "logs", "tmp"]);
const SQLITE_FILE = /\.sqlite(-wal|-shm|-journal)?$/;

/** A file or folder the gateway removed or renamed since it was listed. */
const vanished = (error) => error?.code === "ENOENT";

/** The entries of `dir` now; none when the gateway removed it since it was listed. */
function entriesOf(dir) {
  try {
    return readdirSync(dir, { withFileTypes: true });
  } catch (error) {
    if (vanished(error)) return [];
    throw error;
  }
}

/**
 * Copies the instance directory as it is while the gateway runs (what `cpSync` does, but a
 * file gone between the listing and its copy is left out instead of failing the backup: the
 * gateway writes its files through temporary ones it renames into place).
 */
function copyTree(root, from, to) {
  const entries = entriesOf(from);
  mkdirSync(to, { recursive: true });
  for (const entry of entries) {
    const source = join(from, entry.name);
    // Databases are copied below through SQLite itself.
    if (EXCLUDED.has(relative(root, source)) || SQLITE_FILE.test(entry.name)) continue;
    const target = join(to, entry.name);
    try {
      if (entry.isDirectory()) copyTree(root, source, target);
      else if (entry.isSymbolicLink()) symlinkSync(readlinkSync(source), target);
      else if (entry.isFile()) copyFileSync(source, target);
    } catch (error) {
      if (!vanished(error)) throw error;
    }
  }
  try {
    chmodSync(to, lstatSync(from).mode & 0o7777);
  } catch (error) {
    if (!vanished(error)) throw error;
  }
}

function databases(root, dir = root, found = []) {
  for (const entry of entriesOf(dir)) {
    const path = join(dir, entry.name);
    if (EXCLUDED.has(relative(root, path))) continue;
    if (entry.isDirectory()) databases(root, path, found);
    else if (entry.isFile() && entry.name.endsWith(".sqlite")) found.push(path);
  }
  return found;
}

/**
 * Online backup of one SQLite database. The gateway may be writing at that moment: the
 * source waits up to 5 s on locks, and a step that still hits one (node:sqlite then reports
 * the unhelpful "not an error") is retried from the start a few times.
 */
async function snapshotDatabase(database, destination, label) {
  let lastError;
  for (let attempt = 0; attempt < 8; attempt++) {
    const source = new DatabaseSync(database, { readOnly: true, timeout: 5_000 });
    try {
      await backup(source, destination);
      return;
    } catch (error) {
      lastError = error;
      rmSync(destination, { force: true });
      await delay(200 * (attempt + 1));
    } finally {
      source.close();
    }
  }
  throw new Error(`${label}: ${lastError?.message}`);
}

/** Writes a .tar.gz of `instanceDir` to `archive` (replacing it); throws on failure. */
export async function snapshotInstance(instanceDir, archive, stagingParent = tmpdir()) {
  mkdirSync(stagingParent, { recursive: true });
  const staging = mkdtempSync(join(stagingParent, "autopilot-backup-"));
  try {
    copyTree(instanceDir, instanceDir, staging);
    for (const database of databases(instanceDir)) {
      const destination = join(staging, relative(instanceDir, database));
      mkdirSync(dirname(destination), { recursive: true });
      await snapshotDatabase(database, destination, relative(instanceDir, database));
    }
    rmSync(archive, { force: true });
    await run("tar", ["-czf", archive, "-C", staging, "."]);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}
