import { describe, expect, it } from "vitest";
import type { Approval } from "../../../../../shared/protocol/approvals";
import type { EventFrame } from "../../../../../shared/protocol/frames";
import type { WorkspaceSettings } from "../../../../../shared/protocol/settings";
import {
  addMember,
  createKey,
  decisionOn,
  idem,
  openTeam,
  ownWorkspace,
  RawSocket,
  signUp,
} from "../../../../test/harness";

const HOUR = 60 * 60 * 1000;
const lifetime = (a: Approval) => (a.expiresAt === null ? null : a.expiresAt - a.requestedAt);

describe("who decides an approval: the workspace's policy", () => {
  it("a person alone confirms their own request with one explicit confirm, audited as self-confirmed", async () => {
    const { sock, hello } = await ownWorkspace();
    expect(hello.snapshot?.settings.approvals.twoPersonRule).toBe(false);
    const { approval } = await sock.ok("approvals.request", { title: "Ship the release", idempotencyKey: idem() });
    expect(approval.onBehalfOf).toEqual({ id: hello.principal.id, kind: "user", name: hello.principal.name });

    const plain = await sock.call("approvals.resolve", decisionOn(approval.id, "approve"));
    expect(plain).toMatchObject({ ok: false, error: { code: "forbidden", details: { needs: "confirmOwn" } } });
    expect((await sock.ok("approvals.get", { approvalId: approval.id })).approval.status).toBe("pending");

    const confirmed = await sock.ok("approvals.resolve", decisionOn(approval.id, "approve", { confirmOwn: true }));
    expect(confirmed.approval).toMatchObject({
      status: "approved",
      selfConfirmed: true,
      resolvedBy: { id: hello.principal.id },
    });
    const { entries } = await sock.ok("audit.list", {});
    expect(entries.find((e) => e.action === "approval.approved" && e.targetId === approval.id)?.details).toMatchObject({
      selfConfirmed: true,
    });
    sock.close();
  });

  it("a person alone can start their own OpenClaw chat: the start's approval is theirs to confirm", async () => {
    const { sock } = await ownWorkspace();
    const started = await sock.ok("instances.startChat", {
      instanceId: "mine",
      name: "Mine",
      text: "hello there",
      idempotencyKey: idem(),
    });
    const { approval } = await sock.ok("approvals.get", { approvalId: started.approval.id });
    expect(approval.action).toMatchObject({ kind: "instance", operation: "provision" });
    const decided = await sock.ok("approvals.resolve", decisionOn(approval.id, "approve", { confirmOwn: true }));
    expect(decided.approval).toMatchObject({ status: "approved", selfConfirmed: true, decidedIn: "app" });
    sock.close();
  });

  it("with the two-person rule on, neither the requester nor an agent decides; another person does, plainly", async () => {
    const { ws, owner, ownerSocket, secondSocket, agentSocket } = await openTeam("member");
    // Only owners and admins set the policy; everyone sees it change.
    expect(
      await secondSocket.call("settings.update", { approvals: { twoPersonRule: true }, idempotencyKey: idem() }),
    ).toMatchObject({ ok: false, error: { code: "forbidden" } });
    const { settings } = await ownerSocket.ok("settings.update", {
      approvals: { twoPersonRule: true },
      idempotencyKey: idem(),
    });
    expect(settings.approvals.twoPersonRule).toBe(true);
    const seen = await secondSocket.waitFor<EventFrame>((f) => f.type === "event" && f.event === "settings.changed");
    expect((seen.payload as { settings: WorkspaceSettings }).settings.approvals.twoPersonRule).toBe(true);

    const { approval } = await ownerSocket.ok("approvals.request", {
      title: "Rotate the keys",
      idempotencyKey: idem(),
    });
    for (const decision of ["approve", "deny"] as const) {
      const refused = await ownerSocket.call("approvals.resolve", {
        approvalId: approval.id,
        decision,
        confirmOwn: true,
        idempotencyKey: idem(),
      });
      expect(refused).toMatchObject({
        ok: false,
        error: { code: "forbidden", message: expect.stringMatching(/two-person rule/) },
      });
    }
    const decided = await secondSocket.ok("approvals.resolve", decisionOn(approval.id, "approve"));
    expect(decided.approval).toMatchObject({ status: "approved", selfConfirmed: false });

    // An agent's own request is on its own behalf: a person decides it, the agent never.
    const asked = await agentSocket.ok("approvals.request", { title: "Deploy build 42", idempotencyKey: idem() });
    expect(asked.approval.onBehalfOf).toMatchObject({ kind: "agent" });
    expect(
      await agentSocket.call("approvals.resolve", decisionOn(asked.approval.id, "approve", { confirmOwn: true })),
    ).toMatchObject({
      ok: false,
      error: { code: "forbidden" },
    });
    await ownerSocket.ok("approvals.resolve", decisionOn(asked.approval.id, "deny"));

    // A new connection reads the policy from its snapshot.
    const later = await RawSocket.open(ws, { cookie: owner.cookie });
    expect((await later.hello()).snapshot?.settings.approvals.twoPersonRule).toBe(true);
    for (const s of [ownerSocket, secondSocket, agentSocket, later]) s.close();
  });

  it("each kind of approval waits as long as the workspace says, never longer than asked", async () => {
    const { sock } = await ownWorkspace();
    const before = await sock.ok("instances.provision", {
      instanceId: "before",
      name: "Before",
      idempotencyKey: idem(),
    });
    expect(lifetime(before.approval)).toBe(24 * HOUR);
    expect(
      lifetime((await sock.ok("approvals.request", { title: "Open-ended", idempotencyKey: idem() })).approval),
    ).toBeNull();

    await sock.ok("settings.update", {
      approvals: { lifetimes: { instance: 2 * HOUR, request: HOUR } },
      idempotencyKey: idem(),
    });
    const after = await sock.ok("instances.provision", { instanceId: "after", name: "After", idempotencyKey: idem() });
    expect(lifetime(after.approval)).toBe(2 * HOUR);
    expect(
      lifetime(
        (await sock.ok("approvals.request", { title: "Capped", expiresInMs: 5 * HOUR, idempotencyKey: idem() }))
          .approval,
      ),
    ).toBe(HOUR);
    expect(
      lifetime(
        (await sock.ok("approvals.request", { title: "Shorter", expiresInMs: 60_000, idempotencyKey: idem() }))
          .approval,
      ),
    ).toBe(60_000);
    expect(
      lifetime((await sock.ok("approvals.request", { title: "Defaulted", idempotencyKey: idem() })).approval),
    ).toBe(HOUR);
    // Changing one kind keeps the others.
    const { settings } = await sock.ok("settings.update", {
      approvals: { lifetimes: { request: null } },
      idempotencyKey: idem(),
    });
    expect(settings.approvals.lifetimes).toEqual({ instance: 2 * HOUR, tool: null, gateway: null, request: null });
    sock.close();
  });

  it("bad settings get a typed error and change nothing", async () => {
    const owner = await signUp();
    const member = await signUp();
    await addMember(owner, owner.workspaceId, member, "admin");
    const sock = await RawSocket.open(owner.workspaceId, { cookie: owner.cookie });
    await sock.hello();
    const key = await createKey(owner, owner.workspaceId, ["read", "write", "approve"]);
    const agent = await RawSocket.open(owner.workspaceId, { key: key.key });
    await agent.hello();
    expect(
      await agent.call("settings.update", { approvals: { twoPersonRule: true }, idempotencyKey: idem() }),
    ).toMatchObject({ ok: false, error: { code: "forbidden" } });
    for (const approvals of [
      { lifetimes: { instance: 5 } },
      { lifetimes: { tool: 31 * 24 * HOUR } },
      { twoPersonRule: "yes" },
      { lifetimes: { instance: -1 } },
      { linkDecisionsUpTo: "extreme" },
    ]) {
      expect(await sock.call("settings.update", { approvals, idempotencyKey: idem() })).toMatchObject({
        ok: false,
        error: { code: "bad_request" },
      });
    }
    const fresh = await RawSocket.open(owner.workspaceId, { cookie: member.cookie });
    expect((await fresh.hello()).snapshot?.settings).toEqual({
      approvals: {
        twoPersonRule: false,
        lifetimes: { instance: null, tool: null, gateway: null, request: null },
        linkDecisionsUpTo: "medium",
      },
    });
    for (const s of [sock, agent, fresh]) s.close();
  });
});
