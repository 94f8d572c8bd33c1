// The sandbox host's backups in R2 (binding BACKUPS):
//   <workspaceId>/<instanceId>/<timestamp>.tar.gz    backups (restore takes the latest)
//   _archive/<workspaceId>/<instanceId>/…            delete in "archive" mode
// `_` cannot start a workspace id, so the archive prefix never collides with a workspace.
// Archives are made in the container (consistent SQLite snapshots + tar, like backup.ts) and
// carried over the SDK's file API as base64.
import type { InstanceRef } from "../../shared/runtime/requests";
import { errResult, okResult, runtimeError, type Result } from "../src/errors";
import { StartFailure } from "../src/gateway-start";
import type { BackupInfo } from "../src/host";
import { fromBase64, hasState, toBase64 } from "./sandbox-container";
import { INSTANCE_DIR, type BucketLike, type BucketObjectLike, type SandboxLike } from "./sandbox-boundary";
import { mapSandboxError } from "./sandbox-errors";

/** Baked into the image (Dockerfile): consistent SQLite snapshots + tar, like backup.ts. */
export const SNAPSHOT_SCRIPT = "/opt/autopilot/snapshot.mjs";
const STAGED_ARCHIVE = "/tmp/autopilot-backup.tar.gz";
const RESTORE_ARCHIVE = "/tmp/autopilot-restore.tar.gz";

export const ARCHIVE_PREFIX = "_archive/";
export const backupPrefix = (ref: InstanceRef): string => `${ref.workspaceId}/${ref.instanceId}/`;
export const archivePrefix = (ref: InstanceRef): string => `${ARCHIVE_PREFIX}${ref.workspaceId}/${ref.instanceId}/`;

/** Timestamps that sort as text and are safe in keys (same as the process host's backups). */
export function timestampName(date = new Date()): string {
  return `${date.toISOString().replace(/[:.]/g, "-")}.tar.gz`;
}

const shellQuote = (value: string): string => `'${value.replace(/'/g, `'\\''`)}'`;

async function listAll(bucket: BucketLike, prefix: string): Promise<BucketObjectLike[]> {
  const found: BucketObjectLike[] = [];
  let cursor: string | undefined;
  do {
    const page = await bucket.list({ prefix, ...(cursor ? { cursor } : {}) });
    found.push(...page.objects);
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return found;
}

/** An instance's backups, oldest first (another instance's under a longer id are not included). */
export async function listBackups(bucket: BucketLike, ref: InstanceRef): Promise<BackupInfo[]> {
  const prefix = backupPrefix(ref);
  return (await listAll(bucket, prefix))
    .filter((object) => object.key.endsWith(".tar.gz") && !object.key.slice(prefix.length).includes("/"))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map((object) => ({
      name: object.key.slice(prefix.length),
      path: object.key,
      sizeBytes: object.size,
      createdAt: object.uploaded.toISOString(),
    }));
}

/** Archives the container's instance dir (consistent SQLite snapshots) into R2 at `key`. */
export async function snapshotTo(sandbox: SandboxLike, bucket: BucketLike, key: string): Promise<Result<BackupInfo>> {
  try {
    if (!(await hasState(sandbox))) return errResult(runtimeError("not_found", "the instance has no state to back up"));
    const made = await sandbox.exec(
      `node ${SNAPSHOT_SCRIPT} ${shellQuote(INSTANCE_DIR)} ${shellQuote(STAGED_ARCHIVE)}`,
      { timeout: 300_000 },
    );
    if (made.exitCode !== 0)
      return errResult(
        runtimeError("backup_failed", `backup failed: ${made.stderr.trim() || `exit code ${made.exitCode}`}`),
      );
    // base64 over the SDK's file API: fine for state of tens of MB (caches and logs are left out).
    const file = await sandbox.readFile(STAGED_ARCHIVE, { encoding: "base64" });
    const bytes = fromBase64(file.content);
    await bucket.put(key, bytes, { httpMetadata: { contentType: "application/gzip" } });
    await sandbox.exec(`rm -f ${STAGED_ARCHIVE}`);
    const name = key.slice(key.lastIndexOf("/") + 1);
    return okResult({ name, path: key, sizeBytes: bytes.byteLength, createdAt: new Date().toISOString() });
  } catch (error) {
    return errResult(mapSandboxError(error, "backup_failed", "backup failed"));
  }
}

/** Unpacks a backup into the container's instance dir; throws StartFailure when it cannot. */
export async function restoreInto(
  sandbox: SandboxLike,
  bucket: BucketLike,
  backup: { name: string; path: string },
): Promise<void> {
  const object = await bucket.get(backup.path);
  if (!object)
    throw new StartFailure(runtimeError("backup_failed", `restore failed: backup ${backup.name} disappeared`));
  await sandbox.writeFile(RESTORE_ARCHIVE, toBase64(new Uint8Array(await object.arrayBuffer())), {
    encoding: "base64",
  });
  // Unpacked beside the state, then swapped in: a chosen restore replaces what is there, and
  // a failed unpack leaves it untouched.
  const staging = `${INSTANCE_DIR}.restore`;
  const restored = await sandbox.exec(
    `rm -rf ${staging} && mkdir -p ${staging} && tar -xzf ${RESTORE_ARCHIVE} -C ${staging} && rm -rf ${INSTANCE_DIR} && mv ${staging} ${INSTANCE_DIR} && rm -f ${RESTORE_ARCHIVE}`,
  );
  if (restored.exitCode !== 0)
    throw new StartFailure(
      runtimeError("backup_failed", `restore failed: ${restored.stderr.trim() || `tar exited ${restored.exitCode}`}`),
    );
}

/** Delete's end for the backups: copied under the archive prefix ("archive" mode), then removed. */
export async function retireBackups(
  bucket: BucketLike,
  ref: InstanceRef,
  backups: BackupInfo[],
  archive: { stamp: string } | null,
): Promise<void> {
  if (archive) {
    for (const backup of backups) {
      const object = await bucket.get(backup.path);
      if (object)
        await bucket.put(`${archivePrefix(ref)}backups-${archive.stamp}/${backup.name}`, await object.arrayBuffer(), {
          httpMetadata: { contentType: "application/gzip" },
        });
    }
  }
  if (backups.length > 0) await bucket.delete(backups.map((b) => b.path));
}

/** Retention: removes all but the newest `keep` backups; answers the names removed. */
export async function pruneBackups(bucket: BucketLike, ref: InstanceRef, keep: number): Promise<string[]> {
  const all = await listBackups(bucket, ref);
  const old = all.slice(0, Math.max(0, all.length - keep));
  if (old.length > 0) await bucket.delete(old.map((b) => b.path));
  return old.map((b) => b.name);
}
