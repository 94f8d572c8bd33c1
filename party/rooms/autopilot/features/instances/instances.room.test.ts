import { describe, expect, it } from "vitest";
import type { Instance } from "../../../../../shared/protocol/instances";
import { toPairedDevice } from "../gateway-bridge/device-requests";
import { DEFAULT_BACKUP_POLICY, instancesToBackUp, readBackupPolicy } from "./backup-policy";
import { deleteDetails } from "../../../../../shared/instance-texts";
import { staleAlarms, wantedAlarms } from "./recurring-alarms";
import {
  connected,
  createKey,
  decisionOn,
  idem,
  instanceUpdated,
  openTeam,
  RawSocket,
  signUp,
} from "../../../../test/harness";

async function team() {
  const { ownerSocket: o, secondSocket: v, agentSocket: g } = await openTeam("viewer");
  return { o, v, g };
}

describe("instances are approval-gated", () => {
  it("provision asks a person first; nothing runs until someone with approve confirms", async () => {
    const { o, v, g } = await team();
    const { approval } = await g.ok("instances.provision", {
      instanceId: "work",
      name: "Work",
      idempotencyKey: idem(),
    });
    expect(approval).toMatchObject({
      status: "pending",
      risk: "high",
      action: { kind: "instance", operation: "provision", instanceId: "work", name: "Work" },
    });
    expect((await o.ok("instances.list", {})).instances).toEqual([]);
    await v.waitFor((f) => f.event === "approval.requested");
    // Agents (no approve scope) and viewers cannot confirm their own way in.
    expect(await g.call("approvals.resolve", decisionOn(approval.id, "approve"))).toMatchObject({
      ok: false,
      error: { code: "forbidden" },
    });
    expect(await v.call("instances.provision", { instanceId: "other", idempotencyKey: idem() })).toMatchObject({
      ok: false,
      error: { code: "forbidden" },
    });
    // A second request for the same instance while none exists is allowed (two asks), but
    // bad ids never are.
    expect(await g.call("instances.provision", { instanceId: "Bad Id!", idempotencyKey: idem() })).toMatchObject({
      ok: false,
      error: { code: "bad_request" },
    });
    expect(await g.call("instances.restart", { instanceId: "nope", idempotencyKey: idem() })).toMatchObject({
      ok: false,
      error: { code: "not_found" },
    });
    for (const s of [o, v, g]) s.close();
  });

  it("an approved provision with no runtime configured fails clearly: the instance shows the reason and its job failed", async () => {
    const owner = await signUp();
    const agent = await createKey(owner, owner.workspaceId);
    const [o, g] = await connected(owner.workspaceId, { cookie: owner.cookie }, { key: agent.key });
    const { approval } = await g.ok("instances.provision", { instanceId: "work", idempotencyKey: idem() });
    await o.ok("approvals.resolve", decisionOn(approval.id, "approve"));
    const errored = await instanceUpdated(g, (i) => i.status === "error");
    expect(errored.payload.instance.error).toMatch(/no OpenClaw runtime is configured/);
    const failed = await g.waitFor<{ payload: { job: { status: string; error: string; title: string } } }>(
      (f) => f.event === "job.finished",
    );
    expect(failed.payload.job).toMatchObject({ status: "failed", title: approval.title });
    // The snapshot of a new client has it too.
    const late = await RawSocket.open(owner.workspaceId, { cookie: owner.cookie });
    expect((await late.hello()).snapshot!.instances).toEqual([
      expect.objectContaining({ id: "work", status: "error" }),
    ]);
    for (const s of [o, g, late]) s.close();
  });

  it("attach and detach bind an instance to threads; a denied operation runs nothing", async () => {
    const { o, g } = await team();
    const { approval } = await g.ok("instances.provision", { instanceId: "lab", idempotencyKey: idem() });
    await o.ok("approvals.resolve", decisionOn(approval.id, "approve"));
    // The approved operation's job reached the decider before the decision's answer did.
    expect(o.events("job.started")).toHaveLength(1);
    await instanceUpdated(g, (i) => i.status === "error");
    const { thread } = await o.ok("threads.create", { title: "uses lab", idempotencyKey: idem() });
    const attached = await g.ok("instances.attach", { instanceId: "lab", threadId: thread.id, idempotencyKey: idem() });
    expect(attached.instance.threadIds).toEqual([thread.id]);
    const detached = await g.ok("instances.detach", { instanceId: "lab", threadId: thread.id, idempotencyKey: idem() });
    expect(detached.instance.threadIds).toEqual([]);

    const del = await g.ok("instances.delete", { instanceId: "lab", idempotencyKey: idem() });
    expect(del.approval).toMatchObject({ risk: "critical", action: { operation: "delete" } });
    const jobsBefore = (await o.ok("jobs.list", {})).jobs.length;
    const startedBefore = o.events("job.started").length;
    // An approved operation's job is committed and sent before the decision's answer (the
    // provision above); so once the denial is answered, a job it started would be here.
    await o.ok("approvals.resolve", decisionOn(del.approval.id, "deny"));
    expect(o.events("job.started").length).toBe(startedBefore);
    expect((await o.ok("jobs.list", {})).jobs.length).toBe(jobsBefore);
    expect((await o.ok("instances.list", {})).instances[0]).toMatchObject({ id: "lab", status: "error" });
    for (const s of [o, g]) s.close();
  });
});

describe("an instance's name", () => {
  it("is renamed by anyone who may write, told to everyone live; a viewer is refused; a bad name or a missing instance changes nothing", async () => {
    const { o, v, g } = await team();
    const { approval } = await g.ok("instances.provision", { instanceId: "lab", name: "Lab", idempotencyKey: idem() });
    await o.ok("approvals.resolve", decisionOn(approval.id, "approve"));
    await instanceUpdated(g, (i) => i.status === "error");
    const renamed = await g.ok("instances.update", {
      instanceId: "lab",
      name: "  Research lab ",
      idempotencyKey: idem(),
    });
    expect(renamed.instance).toMatchObject({ id: "lab", name: "Research lab" });
    // The other sockets hear it as an instance update.
    expect((await instanceUpdated(o, (i) => i.name === "Research lab")).payload.instance.id).toBe("lab");
    await instanceUpdated(v, (i) => i.name === "Research lab");
    expect(await v.call("instances.update", { instanceId: "lab", name: "Mine", idempotencyKey: idem() })).toMatchObject(
      {
        ok: false,
        error: { code: "forbidden" },
      },
    );
    expect(await g.call("instances.update", { instanceId: "lab", name: " ", idempotencyKey: idem() })).toMatchObject({
      ok: false,
      error: { code: "bad_request" },
    });
    expect(await g.call("instances.update", { instanceId: "nope", name: "X", idempotencyKey: idem() })).toMatchObject({
      ok: false,
      error: { code: "not_found" },
    });
    // Nothing to change; a model needs the instance's gateway (none is connected here), and the name stays.
    expect(await g.call("instances.update", { instanceId: "lab", idempotencyKey: idem() })).toMatchObject({
      ok: false,
      error: { code: "bad_request" },
    });
    expect(
      await g.call("instances.update", { instanceId: "lab", name: "Other", model: "large", idempotencyKey: idem() }),
    ).toMatchObject({ ok: false, error: { code: "unavailable" } });
    expect(await g.call("instances.models", { instanceId: "lab" })).toMatchObject({
      ok: false,
      error: { code: "unavailable" },
    });
    expect((await o.ok("instances.list", {})).instances).toEqual([
      expect.objectContaining({ id: "lab", name: "Research lab" }),
    ]);
    for (const s of [o, v, g]) s.close();
  });
});

describe("restore and details (protocol 6)", () => {
  it("restore names a backup and is gated like the rest; details need the runtime", async () => {
    const { o, g } = await team();
    const { approval } = await g.ok("instances.provision", { instanceId: "lab", idempotencyKey: idem() });
    await o.ok("approvals.resolve", decisionOn(approval.id, "approve"));
    await instanceUpdated(g, (i) => i.status === "error");
    const { thread } = await o.ok("threads.create", { title: "uses lab", idempotencyKey: idem() });
    await g.ok("instances.attach", { instanceId: "lab", threadId: thread.id, idempotencyKey: idem() });

    const backupId = "2026-01-31T12-00-00-000Z.tar.gz";
    expect(
      await g.call("instances.restore", { instanceId: "lab", backupId: "../../etc/passwd", idempotencyKey: idem() }),
    ).toMatchObject({ ok: false, error: { code: "bad_request" } });
    expect(await g.call("instances.restore", { instanceId: "nope", backupId, idempotencyKey: idem() })).toMatchObject({
      ok: false,
      error: { code: "not_found" },
    });
    const restore = await g.ok("instances.restore", { instanceId: "lab", backupId, idempotencyKey: idem() });
    expect(restore.approval).toMatchObject({
      status: "pending",
      risk: "high",
      action: { kind: "instance", operation: "restore", instanceId: "lab", backupId },
    });
    expect(restore.approval.details).toContain(backupId);
    // The delete confirmation says what happens to the attached thread.
    const del = await g.ok("instances.delete", { instanceId: "lab", idempotencyKey: idem() });
    expect(del.approval.details).toMatch(
      /attached thread stays in this workspace with all its messages and attachments, but is detached/,
    );

    await o.ok("approvals.resolve", decisionOn(restore.approval.id, "approve"));
    const failed = await g.waitFor<{ payload: { job: { status: string; error: string; title: string } } }>(
      (f) =>
        f.event === "job.finished" && (f.payload as { job: { title: string } }).job.title === restore.approval.title,
    );
    expect(failed.payload.job).toMatchObject({
      status: "failed",
      error: expect.stringMatching(/no OpenClaw runtime is configured/),
    });

    // Unpairing a device is gated too; with no gateway connected the approved job says why.
    const unpair = await g.ok("instances.unpair", { instanceId: "lab", deviceId: "phone-1", idempotencyKey: idem() });
    expect(unpair.approval).toMatchObject({
      status: "pending",
      action: { operation: "unpair", deviceId: "phone-1" },
      details: expect.stringMatching(/phone-1.*pair again/),
    });

    expect(await o.call("instances.details", { instanceId: "lab" })).toMatchObject({
      ok: false,
      error: { code: "unavailable", message: expect.stringMatching(/RUNTIME_URL/) },
    });
    expect(await o.call("instances.details", { instanceId: "nope" })).toMatchObject({
      ok: false,
      error: { code: "not_found" },
    });
    for (const s of [o, g]) s.close();
  });
});

describe("backup policy, alarms and paired devices (plain functions)", () => {
  it("reads the schedule from vars with sane defaults; only ready instances are backed up", () => {
    expect(readBackupPolicy({})).toEqual(DEFAULT_BACKUP_POLICY);
    expect(DEFAULT_BACKUP_POLICY).toEqual({ intervalSeconds: 21_600, keep: 7 });
    expect(readBackupPolicy({ BACKUP_INTERVAL_SECONDS: "60", BACKUP_KEEP: "3" })).toEqual({
      intervalSeconds: 60,
      keep: 3,
    });
    expect(readBackupPolicy({ BACKUP_INTERVAL_SECONDS: "0" }).intervalSeconds).toBe(0);
    // A typo must not turn backups off.
    expect(readBackupPolicy({ BACKUP_INTERVAL_SECONDS: "6h", BACKUP_KEEP: "0" })).toEqual(DEFAULT_BACKUP_POLICY);
    const instances = (["ready", "starting", "error", "stopped", "ready"] as const).map(
      (status, i): Instance => ({
        id: `i${i}`,
        name: "x",
        status,
        phase: "",
        progress: 0,
        error: null,
        threadIds: [],
        jobId: null,
        createdBy: { kind: "user", id: "u", name: "U" },
        createdAt: 0,
        updatedAt: 0,
      }),
    );
    expect(instancesToBackUp(instances).map((i) => i.id)).toEqual(["i0", "i4"]);
  });

  it("keeps one alarm row per wanted callback and cancels stale intervals", () => {
    const wanted = wantedAlarms(300, 60);
    expect([...wanted]).toEqual([
      ["watchBridges", 300],
      ["backupInstances", 60],
    ]);
    expect([...wantedAlarms(300, 0).keys()]).toEqual(["watchBridges"]);
    const rows = [
      { id: "a", callback: "watchBridges", type: "interval", intervalSeconds: 300 },
      { id: "b", callback: "backupInstances", type: "interval", intervalSeconds: 21_600 },
      { id: "c", callback: "expireApprovals", type: "scheduled" },
      { id: "d", callback: "backupInstances", type: "interval", intervalSeconds: 60 },
    ];
    expect(staleAlarms(rows, wanted)).toEqual(["b"]);
    // No instances left: both of ours go, other schedules stay.
    expect(staleAlarms(rows, new Map())).toEqual(["a", "b", "d"]);
  });

  it("reads the gateway's paired devices leniently", () => {
    expect(
      toPairedDevice({
        deviceId: "d1",
        displayName: "Phone",
        label: "Olga's phone",
        platform: "ios",
        clientId: "openclaw-ios",
        roles: ["operator"],
        scopes: ["operator.read"],
        approvedAtMs: 1_700_000_000_000.5,
        extra: 1,
      }),
    ).toEqual({
      deviceId: "d1",
      displayName: "Olga's phone",
      platform: "ios",
      clientId: "openclaw-ios",
      role: "operator",
      scopes: ["operator.read"],
      approvedAt: 1_700_000_000_000,
      self: false,
    });
    expect(toPairedDevice({ deviceId: "d2", platform: 7, scopes: "x" })).toMatchObject({
      deviceId: "d2",
      platform: null,
      scopes: [],
      approvedAt: null,
    });
    expect(toPairedDevice({ nodeId: "n1" })).toBeNull();
  });

  it("says plainly what a delete does to threads", () => {
    expect(deleteDetails(0)).toMatch(/No thread is attached to it\. This cannot be undone\.$/);
    expect(deleteDetails(3)).toMatch(
      /Its 3 attached threads stay in this workspace with all their messages and attachments, but are detached: OpenClaw no longer answers there\./,
    );
  });
});
