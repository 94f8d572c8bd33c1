import { describe, expect, it } from "vitest";
import type { Instance } from "../../shared/protocol/instances";
import { addMember, createKey, idem, RawSocket, signUp } from "./harness";

async function team() {
  const owner = await signUp();
  const ws = owner.workspaceId;
  const viewer = await signUp();
  await addMember(owner, ws, viewer, "viewer");
  const agent = await createKey(owner, ws);
  const o = await RawSocket.open(ws, { cookie: owner.cookie });
  const v = await RawSocket.open(ws, { cookie: viewer.cookie });
  const g = await RawSocket.open(ws, { key: agent.key });
  await Promise.all([o.hello(), v.hello(), g.hello()]);
  return { o, v, g };
}

describe("instances are approval-gated", () => {
  it("provision asks a person first; nothing runs until someone with approve confirms", async () => {
    const { o, v, g } = await team();
    const { approval } = await g.ok("instances.provision", { instanceId: "work", name: "Work", idempotencyKey: idem() });
    expect(approval).toMatchObject({ status: "pending", risk: "high", action: { kind: "instance", operation: "provision", instanceId: "work", name: "Work" } });
    expect((await o.ok("instances.list", {})).instances).toEqual([]);
    await v.waitFor((f) => f.event === "approval.requested");
    // Agents (no approve scope) and viewers cannot confirm their own way in.
    expect(await g.call("approvals.resolve", { approvalId: approval.id, decision: "approve", idempotencyKey: idem() })).toMatchObject({ ok: false, error: { code: "forbidden" } });
    expect(await v.call("instances.provision", { instanceId: "other", idempotencyKey: idem() })).toMatchObject({ ok: false, error: { code: "forbidden" } });
    // A second request for the same instance while none exists is allowed (two asks), but
    // bad ids never are.
    expect(await g.call("instances.provision", { instanceId: "Bad Id!", idempotencyKey: idem() })).toMatchObject({ ok: false, error: { code: "bad_request" } });
    expect(await g.call("instances.restart", { instanceId: "nope", idempotencyKey: idem() })).toMatchObject({ ok: false, error: { code: "not_found" } });
    for (const s of [o, v, g]) s.close();
  });

  it("an approved provision with no runtime configured fails clearly: the instance shows the reason and its job failed", async () => {
    const owner = await signUp();
    const agent = await createKey(owner, owner.workspaceId);
    const o = await RawSocket.open(owner.workspaceId, { cookie: owner.cookie });
    const g = await RawSocket.open(owner.workspaceId, { key: agent.key });
    await Promise.all([o.hello(), g.hello()]);
    const { approval } = await g.ok("instances.provision", { instanceId: "work", idempotencyKey: idem() });
    await o.ok("approvals.resolve", { approvalId: approval.id, decision: "approve", idempotencyKey: idem() });
    const errored = await g.waitFor<{ payload: { instance: Instance } }>((f) => f.event === "instance.updated" && (f.payload as { instance: Instance }).instance.status === "error");
    expect(errored.payload.instance.error).toMatch(/no OpenClaw runtime is configured/);
    const failed = await g.waitFor<{ payload: { job: { status: string; error: string; title: string } } }>((f) => f.event === "job.finished");
    expect(failed.payload.job).toMatchObject({ status: "failed", title: approval.title });
    // The snapshot of a new client has it too.
    const late = await RawSocket.open(owner.workspaceId, { cookie: owner.cookie });
    expect((await late.hello()).snapshot!.instances).toEqual([expect.objectContaining({ id: "work", status: "error" })]);
    for (const s of [o, g, late]) s.close();
  });

  it("attach and detach bind an instance to threads; a denied operation runs nothing", async () => {
    const { o, g } = await team();
    const { approval } = await g.ok("instances.provision", { instanceId: "lab", idempotencyKey: idem() });
    await o.ok("approvals.resolve", { approvalId: approval.id, decision: "approve", idempotencyKey: idem() });
    await g.waitFor((f) => f.event === "instance.updated" && (f.payload as { instance: Instance }).instance.status === "error");
    const { thread } = await o.ok("threads.create", { title: "uses lab", idempotencyKey: idem() });
    const attached = await g.ok("instances.attach", { instanceId: "lab", threadId: thread.id, idempotencyKey: idem() });
    expect(attached.instance.threadIds).toEqual([thread.id]);
    const detached = await g.ok("instances.detach", { instanceId: "lab", threadId: thread.id, idempotencyKey: idem() });
    expect(detached.instance.threadIds).toEqual([]);

    const del = await g.ok("instances.delete", { instanceId: "lab", idempotencyKey: idem() });
    expect(del.approval).toMatchObject({ risk: "critical", action: { operation: "delete" } });
    const jobsBefore = (await o.ok("jobs.list", {})).jobs.length;
    await o.ok("approvals.resolve", { approvalId: del.approval.id, decision: "deny", idempotencyKey: idem() });
    await new Promise((r) => setTimeout(r, 200));
    expect((await o.ok("jobs.list", {})).jobs.length).toBe(jobsBefore);
    expect((await o.ok("instances.list", {})).instances[0]).toMatchObject({ id: "lab", status: "error" });
    for (const s of [o, g]) s.close();
  });
});
