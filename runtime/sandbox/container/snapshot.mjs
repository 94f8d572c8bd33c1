// Runs inside the sandbox container (copied into the image by the Dockerfile):
//   node /opt/autopilot/snapshot.mjs <instance dir> <archive.tar.gz>
// The sandbox host's counterpart of runtime/src/backup.ts: live SQLite databases are not
// copied byte by byte (a WAL database copied mid-write is torn) but through SQLite's online
// backup API into a staging copy; caches, temp files and logs are left out; then tar -czf.
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { backup, DatabaseSync } from "node:sqlite";
import { setTimeout as delay } from "node:timers/promises";

const [instanceDir, archive] = process.argv.slice(2);
if (!instanceDir || !archive) {
  console.error("usage: snapshot.mjs <instance dir> <archive.tar.gz>");
  process.exit(2);
}
const EXCLUDED = new Set([join("state", "cache"), join("state", "tmp"), "logs"]);
const SQLITE_FILE = /\.sqlite(-wal|-shm|-journal)?$/;

function databases(dir, found = []) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (EXCLUDED.has(relative(instanceDir, path))) continue;
    if (entry.isDirectory()) databases(path, found);
    else if (entry.isFile() && entry.name.endsWith(".sqlite")) found.push(path);
  }
  return found;
}

async function snapshot(database, destination) {
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
  throw new Error(`${relative(instanceDir, database)}: ${lastError?.message}`);
}

const staging = mkdtempSync(join(tmpdir(), "autopilot-backup-"));
try {
  cpSync(instanceDir, staging, { recursive: true, filter: (source) => !EXCLUDED.has(relative(instanceDir, source)) && !SQLITE_FILE.test(source) });
  for (const database of databases(instanceDir)) {
    const destination = join(staging, relative(instanceDir, database));
    mkdirSync(dirname(destination), { recursive: true });
    await snapshot(database, destination);
  }
  rmSync(archive, { force: true });
  execFileSync("tar", ["-czf", archive, "-C", staging, "."]);
} finally {
  rmSync(staging, { recursive: true, force: true });
}
