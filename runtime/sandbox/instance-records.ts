// The sandbox host's per-instance records, kept in a Durable Object's transactional storage
// (registry-object.ts) instead of R2: every operation below runs synchronously inside one
// object, so a capacity check and the claim it guards, or a compare-and-set of a record,
// cannot interleave with another request's. R2 keeps only backups. The caps are the process
// host's (runtime/src/gateway-caps.ts): the same rule, the same refusal.
// Pure logic over a synchronous KV (the Durable Object's `ctx.storage.kv`, a Map in tests).
import type { RuntimeError } from "../../shared/runtime/errors";
import { ACTIVE_STATES } from "../../shared/runtime/phases";
import type { InstanceRef } from "../../shared/runtime/requests";
import { checkGatewayCaps, type GatewayCaps } from "../src/gateway-caps";
import type { StatusRecord } from "../src/instance-status";

/** What is kept per instance: the status minus live fields. Never the token. */
export interface InstanceRecord extends StatusRecord {
  workspaceId: string;
  instanceId: string;
  sandboxId: string;
  error: RuntimeError | null;
  /** Increases on every change; a write carrying a version not above the stored one loses. */
  version: number;
}

/** The subset of the Durable Object's synchronous KV storage used here. */
export interface SyncKvLike {
  get<T = unknown>(key: string): T | undefined;
  list<T = unknown>(options?: { prefix?: string }): Iterable<[string, T]>;
  put<T>(key: string, value: T): void;
  delete(key: string): boolean;
}

export type ClaimOutcome =
  | { ok: true }
  /** The record changed since the caller read it (another request claimed or changed it). */
  | { ok: false; reason: "changed"; current: InstanceRecord | null }
  /** A cap is reached: the process host's refusal for the same records. */
  | { ok: false; reason: "capacity"; error: RuntimeError };

/** The records as the sandbox host uses them (over RPC to the Durable Object, so async). */
export interface InstanceStoreLike {
  get(ref: InstanceRef): Promise<InstanceRecord | null>;
  list(workspaceId: string): Promise<InstanceRecord[]>;
  activeCount(): Promise<number>;
  /** Compare-and-set: writes only when nothing is stored or the stored version is lower. */
  put(record: InstanceRecord): Promise<boolean>;
  /**
   * A start's first write: the stored version must still be `expectedVersion` (null: none),
   * and unless the instance already holds a slot, one must be free under both caps.
   */
  claim(record: InstanceRecord, expectedVersion: number | null, caps: GatewayCaps): Promise<ClaimOutcome>;
  remove(ref: InstanceRef): Promise<void>;
}

/** Keys are `<workspace>/<instance>`: neither id can contain "/", so a workspace prefix is exact. */
const keyOf = (ref: InstanceRef): string => `${ref.workspaceId}/${ref.instanceId}`;

export class InstanceRecords {
  constructor(private readonly kv: SyncKvLike) {}

  get(ref: InstanceRef): InstanceRecord | null {
    return this.kv.get<InstanceRecord>(keyOf(ref)) ?? null;
  }

  list(workspaceId: string): InstanceRecord[] {
    return [...this.kv.list<InstanceRecord>({ prefix: `${workspaceId}/` })].map(([, record]) => record);
  }

  activeCount(): number {
    let count = 0;
    for (const record of this.instances()) if (ACTIVE_STATES.has(record.state)) count++;
    return count;
  }

  put(record: InstanceRecord): boolean {
    const current = this.get(record);
    if (current && current.version >= record.version) return false;
    this.kv.put(keyOf(record), record);
    return true;
  }

  claim(record: InstanceRecord, expectedVersion: number | null, caps: GatewayCaps): ClaimOutcome {
    const current = this.get(record);
    if ((current?.version ?? null) !== expectedVersion) return { ok: false, reason: "changed", current };
    // As on the process host, restarting a gateway that runs takes no new slot; any other
    // start is checked against every other instance, never against its own stale state.
    if (!current || !ACTIVE_STATES.has(current.state)) {
      const key = keyOf(record);
      const others = [...this.instances()].filter((r) => keyOf(r) !== key).map((r) => ({ ref: r, state: r.state }));
      const checked = checkGatewayCaps(record.workspaceId, others, caps);
      if (!checked.ok) return { ok: false, reason: "capacity", error: checked.error };
    }
    this.kv.put(keyOf(record), record);
    return { ok: true };
  }

  remove(ref: InstanceRef): void {
    this.kv.delete(keyOf(ref));
  }

  private *instances(): Iterable<InstanceRecord> {
    // Workspace ids never start with "_": such keys are the model pass-through's (model-records.ts).
    for (const [key, record] of this.kv.list<InstanceRecord>()) if (!key.startsWith("_")) yield record;
  }
}
