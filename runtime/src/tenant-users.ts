// Separate OS users per instance (process host). When the runtime runs as root (containers,
// this dev machine), each gateway runs under its own numeric uid/gid from a high range that
// no /etc/passwd entry uses (Node's spawn({uid, gid}) needs no passwd entry, and libuv drops
// root's supplementary groups). Its instance directory is chowned to it and 0700; the
// runtime's own files (service token, backups, usage, this allocation) stay root's, 0600 in
// 0700 directories. Without root nothing can be separated: see isolationMode().
//
// The allocation is recorded in a runtime-owned file, never inside the instance directory
// (which the gateway owns and could rewrite).
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { z } from "zod";
import type { InstanceRef } from "../../shared/runtime/requests";
import { refKey } from "./ids";

/** 2^21 .. 2^21 + 2^20: far above system and login users, below the 32-bit nobody range. */
export const TENANT_UID_BASE = 2_097_152;
export const TENANT_UID_RANGE = 1_048_576;

export interface TenantUser {
  uid: number;
  gid: number;
}

export type IsolationMode = "separate-users" | "shared-user";

/** Separate users need root (CAP_SETUID/CAP_CHOWN); anything else runs gateways as the runtime's own user. */
export function isolationMode(uid = process.getuid?.()): IsolationMode {
  return uid === 0 ? "separate-users" : "shared-user";
}

/** Pure: the instance's preferred uid (a hash of its ids), moved up past taken ones. */
export function allocateUid(ref: InstanceRef, taken: ReadonlySet<number>): number {
  const hash = createHash("sha256").update(refKey(ref), "utf8").digest().readUInt32BE(0);
  for (let i = 0; i < TENANT_UID_RANGE; i++) {
    const uid = TENANT_UID_BASE + ((hash + i) % TENANT_UID_RANGE);
    if (!taken.has(uid)) return uid;
  }
  throw new Error("no free tenant uid left");
}

const allocationsSchema = z.record(
  z.string(),
  z
    .number()
    .int()
    .min(TENANT_UID_BASE)
    .max(TENANT_UID_BASE + TENANT_UID_RANGE - 1),
);

/** The uid of each instance, kept in `<dataDir>/tenant-users.json` (root, 0600). */
export class TenantUsers {
  private readonly allocations: Record<string, number>;

  constructor(private readonly file: string) {
    this.allocations = existsSync(file) ? allocationsSchema.parse(JSON.parse(readFileSync(file, "utf8"))) : {};
  }

  /** The instance's user, allocated (and recorded) on first use; the same one ever after. */
  userFor(ref: InstanceRef): TenantUser {
    const key = refKey(ref);
    let uid = this.allocations[key];
    if (uid === undefined) {
      uid = allocateUid(ref, new Set(Object.values(this.allocations)));
      this.allocations[key] = uid;
      this.save();
    }
    return { uid, gid: uid };
  }

  /** After delete: the uid may go to another instance (the deleted one's files are gone). */
  release(ref: InstanceRef): void {
    if (!(refKey(ref) in this.allocations)) return;
    delete this.allocations[refKey(ref)];
    this.save();
  }

  private save(): void {
    mkdirSync(dirname(this.file), { recursive: true, mode: 0o700 });
    const staging = `${this.file}.tmp`;
    writeFileSync(staging, JSON.stringify(this.allocations), { mode: 0o600 });
    renameSync(staging, this.file);
  }
}
