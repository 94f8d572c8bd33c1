// The sandbox host's instance registry logic (runtime/sandbox/instance-records.ts) over a
// Map in place of the Durable Object's KV storage: compare-and-set writes, the atomic
// capacity claim, per-workspace listing.
import { describe, expect, it } from "vitest";
import { InstanceRecords, type InstanceRecord, type SyncKvLike } from "../sandbox/instance-records";
import { neverStarted } from "../src/gateway-start";

class MapKv implements SyncKvLike {
  readonly map = new Map<string, unknown>();
  get<T>(key: string) {
    return this.map.get(key) as T | undefined;
  }
  *list<T>(options?: { prefix?: string }): Iterable<[string, T]> {
    for (const key of [...this.map.keys()].sort())
      if (key.startsWith(options?.prefix ?? "")) yield [key, this.map.get(key) as T];
  }
  put<T>(key: string, value: T) {
    this.map.set(key, value);
  }
  delete(key: string) {
    return this.map.delete(key);
  }
}

const record = (
  workspaceId: string,
  instanceId: string,
  state: InstanceRecord["state"],
  version: number,
): InstanceRecord => ({
  workspaceId,
  instanceId,
  sandboxId: `oc-${instanceId}`,
  state,
  phase: "queued",
  phaseSince: 0,
  phases: [],
  progress: 0,
  ...neverStarted(),
  createdAt: "2026-11-22T00:00:00.000Z",
  error: null,
  version,
});

describe("instance records", () => {
  it("writes only newer versions (compare-and-set)", () => {
    const records = new InstanceRecords(new MapKv());
    expect(records.put(record("w", "a", "provisioning", 1))).toBe(true);
    expect(records.put(record("w", "a", "ready", 3))).toBe(true);
    // A writer that read version 1 and moved to 2 has lost to the write of version 3.
    expect(records.put(record("w", "a", "error", 2))).toBe(false);
    expect(records.put(record("w", "a", "error", 3))).toBe(false);
    expect(records.get({ workspaceId: "w", instanceId: "a" })?.state).toBe("ready");
  });

  it("claims a start only from the version the caller read, and only below the cap", () => {
    const records = new InstanceRecords(new MapKv());
    const caps = { maxGateways: 2, maxGatewaysPerWorkspace: 5 };
    expect(records.claim(record("w", "a", "provisioning", 1), null, caps)).toEqual({ ok: true });
    // A second PUT that read "no record" too loses, and sees the first one's record.
    const raced = records.claim(record("w", "a", "provisioning", 1), null, caps);
    expect(raced).toMatchObject({ ok: false, reason: "changed", current: { state: "provisioning", version: 1 } });
    expect(records.claim(record("w", "b", "provisioning", 1), null, caps)).toEqual({ ok: true });
    expect(records.claim(record("w", "c", "provisioning", 1), null, caps)).toMatchObject({
      ok: false,
      reason: "capacity",
      error: { code: "capacity_exceeded", details: { maxGateways: 2, activeGateways: 2 } },
    });
    // Restarting an instance that holds a slot does not count itself.
    records.put(record("w", "b", "error", 2));
    expect(records.claim(record("w", "b", "provisioning", 3), 2, caps)).toEqual({ ok: true });
    expect(records.activeCount()).toBe(2);
  });

  it("counts a workspace's active records against its cap, as the process host does", () => {
    const records = new InstanceRecords(new MapKv());
    const caps = { maxGateways: 10, maxGatewaysPerWorkspace: 2 };
    records.put(record("w", "a", "ready", 1));
    records.put(record("w", "b", "starting", 1));
    records.put(record("w", "c", "error", 1));
    records.put(record("w", "d", "stopped", 1));
    records.put(record("v", "a", "ready", 1));
    const refused = records.claim(record("w", "e", "provisioning", 1), null, caps);
    expect(refused).toMatchObject({
      ok: false,
      reason: "capacity",
      error: {
        code: "capacity_exceeded",
        details: { scope: "workspace", maxGatewaysPerWorkspace: 2, activeInWorkspace: 2 },
      },
    });
    // Starting one that does not run needs a free slot too; one that runs already holds its own.
    expect(records.claim(record("w", "c", "provisioning", 2), 1, caps)).toMatchObject({
      ok: false,
      reason: "capacity",
    });
    expect(records.claim(record("w", "a", "provisioning", 2), 1, caps)).toEqual({ ok: true });
    expect(records.claim(record("v", "b", "provisioning", 1), null, caps)).toEqual({ ok: true });
    // Stopped and failed ones hold no slot.
    records.put(record("w", "b", "stopped", 2));
    expect(records.claim(record("w", "d", "provisioning", 2), 1, caps)).toEqual({ ok: true });
  });

  it("lists one workspace exactly and removes records", () => {
    const records = new InstanceRecords(new MapKv());
    for (const [ws, id] of [
      ["w1", "a"],
      ["w1", "b"],
      ["w10", "a"],
      ["w2", "a"],
    ] as const)
      records.put(record(ws, id, "ready", 1));
    expect(records.list("w1").map((r) => r.instanceId)).toEqual(["a", "b"]);
    records.remove({ workspaceId: "w1", instanceId: "a" });
    expect(records.list("w1").map((r) => r.instanceId)).toEqual(["b"]);
    expect(records.get({ workspaceId: "w1", instanceId: "a" })).toBeNull();
  });
});
