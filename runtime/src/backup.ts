// Backups of an instance's directory as .tar.gz archives in a local folder:
//   <dataDir>/backups/<workspace>/<instance>/<timestamp>.tar.gz
// Deleted instances in "archive" mode go to <dataDir>/archive/<workspace>/<instance>/.
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { errResult, okResult, runtimeError, type Result } from "./errors";
import type { BackupInfo } from "./host";
import type { InstanceRef } from "../../shared/runtime/requests";
import { snapshotInstance } from "../sandbox/container/instance-snapshot.mjs";

const run = promisify(execFile);

export type { BackupInfo };

/** Timestamps that sort as text and are safe in file names. */
function timestampName(date = new Date()): string {
  return `${date.toISOString().replace(/[:.]/g, "-")}.tar.gz`;
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

  /** Archives a (possibly running) instance directory (see instance-snapshot.mjs). */
  async create(ref: InstanceRef, instanceDir: string, targetDir = this.dirFor(ref)): Promise<Result<BackupInfo>> {
    if (!existsSync(instanceDir)) return errResult(runtimeError("not_found", "the instance has no state to back up"));
    try {
      mkdirSync(targetDir, { recursive: true, mode: 0o700 });
      const path = join(targetDir, timestampName());
      await snapshotInstance(instanceDir, path, join(this.dataDir, "tmp"));
      const stat = statSync(path);
      return okResult({
        name: path.slice(targetDir.length + 1),
        path,
        sizeBytes: stat.size,
        createdAt: stat.mtime.toISOString(),
      });
    } catch (error) {
      return errResult(runtimeError("backup_failed", `backup failed: ${(error as Error).message}`));
    }
  }

  /**
   * Extracts an archive into a fresh directory, then moves it into place in one rename. A
   * state directory already there (a restore of a chosen backup) is moved aside first and
   * put back if the swap fails, so a failed restore leaves the instance as it was.
   */
  async restore(archive: string, instanceDir: string): Promise<Result<void>> {
    const suffix = randomBytes(6).toString("hex");
    const staging = `${instanceDir}.restore-${suffix}`;
    const previous = `${instanceDir}.previous-${suffix}`;
    let movedAside = false;
    try {
      mkdirSync(staging, { recursive: true, mode: 0o700 });
      await run("tar", ["-xzf", archive, "-C", staging]);
      if (existsSync(instanceDir)) {
        renameSync(instanceDir, previous);
        movedAside = true;
      }
      renameSync(staging, instanceDir);
      if (movedAside) rmSync(previous, { recursive: true, force: true });
      return okResult(undefined);
    } catch (error) {
      rmSync(staging, { recursive: true, force: true });
      if (movedAside && !existsSync(instanceDir)) renameSync(previous, instanceDir);
      return errResult(runtimeError("backup_failed", `restore failed: ${(error as Error).message}`));
    }
  }

  /** Retention: removes all but the newest `keep` backups; answers the names removed. */
  prune(ref: InstanceRef, keep: number): string[] {
    const all = this.list(ref);
    const old = all.slice(0, Math.max(0, all.length - keep));
    for (const backup of old) rmSync(backup.path, { force: true });
    return old.map((backup) => backup.name);
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
