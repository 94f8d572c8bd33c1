// Backups of an instance's directory as .tar.gz archives in a local folder:
//   <dataDir>/backups/<workspace>/<instance>/<timestamp>.tar.gz
// Deleted instances in "archive" mode go to <dataDir>/archive/<workspace>/<instance>/.
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { cpSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from "node:fs";
import { backup as sqliteBackup, DatabaseSync } from "node:sqlite";
import { dirname, join, relative } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { promisify } from "node:util";
import { errResult, okResult, runtimeError, type Result } from "./errors";
import type { BackupInfo } from "./host";
import type { InstanceRef } from "./ids";

const run = promisify(execFile);

export type { BackupInfo };

/**
 * Left out of archives: caches the gateway rebuilds (~55 MB of Control UI assets), lock
 * files, and logs. Paths are relative to the instance directory.
 */
const EXCLUDED = new Set([join("state", "cache"), join("state", "tmp"), "logs"]);
const SQLITE_FILE = /\.sqlite(-wal|-shm|-journal)?$/;

/** Timestamps that sort as text and are safe in file names. */
function timestampName(date = new Date()): string {
  return `${date.toISOString().replace(/[:.]/g, "-")}.tar.gz`;
}

function listSqliteDatabases(root: string, dir = root, found: string[] = []): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (EXCLUDED.has(relative(root, path))) continue;
    if (entry.isDirectory()) listSqliteDatabases(root, path, found);
    else if (entry.isFile() && entry.name.endsWith(".sqlite")) found.push(path);
  }
  return found;
}

/**
 * Online backup of one SQLite database. The gateway may be writing at that moment: the
 * source waits up to 5 s on locks, and a step that still hits one (node:sqlite then reports
 * the unhelpful "not an error") is retried from the start a few times.
 */
async function snapshotDatabase(database: string, destination: string, label: string): Promise<void> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 8; attempt++) {
    const source = new DatabaseSync(database, { readOnly: true, timeout: 5_000 });
    try {
      await sqliteBackup(source, destination);
      return;
    } catch (error) {
      lastError = error;
      rmSync(destination, { force: true });
      await delay(200 * (attempt + 1));
    } finally {
      source.close();
    }
  }
  throw new Error(`${label}: ${(lastError as Error).message}`);
}

export class BackupStore {
  constructor(private readonly dataDir: string) {}

  dirFor(ref: InstanceRef): string {
    return join(this.dataDir, "backups", ref.workspaceId, ref.instanceId);
  }

  list(ref: InstanceRef): BackupInfo[] {
    const dir = this.dirFor(ref);
    if (!existsSync(dir)) return [];
    return readdirSync(dir)
      .filter((name) => name.endsWith(".tar.gz"))
      .sort()
      .map((name) => {
        const path = join(dir, name);
        const stat = statSync(path);
        return { name, path, sizeBytes: stat.size, createdAt: stat.mtime.toISOString() };
      });
  }

  latest(ref: InstanceRef): BackupInfo | undefined {
    return this.list(ref).at(-1);
  }

  /**
   * Archives a (possibly running) instance directory. Live SQLite files are not copied byte
   * by byte (a WAL database copied mid-write is torn); each database is snapshotted through
   * SQLite's online backup API into a staging copy, which is then archived.
   */
  async create(ref: InstanceRef, instanceDir: string, targetDir = this.dirFor(ref)): Promise<Result<BackupInfo>> {
    if (!existsSync(instanceDir)) return errResult(runtimeError("not_found", "the instance has no state to back up"));
    const staging = join(this.dataDir, "tmp", `backup-${randomBytes(6).toString("hex")}`);
    try {
      mkdirSync(targetDir, { recursive: true, mode: 0o700 });
      cpSync(instanceDir, staging, {
        recursive: true,
        // Databases are copied below through SQLite itself.
        filter: (source) => !EXCLUDED.has(relative(instanceDir, source)) && !SQLITE_FILE.test(source),
      });
      for (const database of listSqliteDatabases(instanceDir)) {
        const destination = join(staging, relative(instanceDir, database));
        mkdirSync(dirname(destination), { recursive: true });
        await snapshotDatabase(database, destination, relative(instanceDir, database));
      }
      const path = join(targetDir, timestampName());
      await run("tar", ["-czf", path, "-C", staging, "."]);
      const stat = statSync(path);
      return okResult({ name: path.slice(targetDir.length + 1), path, sizeBytes: stat.size, createdAt: stat.mtime.toISOString() });
    } catch (error) {
      return errResult(runtimeError("backup_failed", `backup failed: ${(error as Error).message}`));
    } finally {
      rmSync(staging, { recursive: true, force: true });
    }
  }

  /** Extracts an archive into a fresh directory, then moves it into place in one rename. */
  async restore(archive: string, instanceDir: string): Promise<Result<void>> {
    const staging = `${instanceDir}.restore-${randomBytes(6).toString("hex")}`;
    try {
      mkdirSync(staging, { recursive: true, mode: 0o700 });
      await run("tar", ["-xzf", archive, "-C", staging]);
      renameSync(staging, instanceDir);
      return okResult(undefined);
    } catch (error) {
      rmSync(staging, { recursive: true, force: true });
      return errResult(runtimeError("backup_failed", `restore failed: ${(error as Error).message}`));
    }
  }

  /** Delete in "archive" mode: a final snapshot plus the earlier backups, kept aside. */
  async archive(ref: InstanceRef, instanceDir: string): Promise<Result<BackupInfo | undefined>> {
    const archiveDir = join(this.dataDir, "archive", ref.workspaceId, ref.instanceId);
    let final: BackupInfo | undefined;
    if (existsSync(instanceDir)) {
      const created = await this.create(ref, instanceDir, archiveDir);
      if (!created.ok) return created;
      final = created.value;
    }
    const backups = this.dirFor(ref);
    if (existsSync(backups)) {
      mkdirSync(archiveDir, { recursive: true });
      renameSync(backups, join(archiveDir, `backups-${timestampName().replace(/\.tar\.gz$/, "")}`));
    }
    return okResult(final);
  }

  removeAll(ref: InstanceRef): void {
    rmSync(this.dirFor(ref), { recursive: true, force: true });
  }
}
