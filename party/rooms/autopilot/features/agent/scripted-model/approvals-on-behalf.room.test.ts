import { describe, expect, it } from "vitest";
import type { Approval } from "../../../../../../shared/protocol/approvals";
import type { EventFrame } from "../../../../../../shared/protocol/frames";
import { addMember, idem, RawSocket, signUp } from "../../../../../test/harness";
import { agentRoom, autopilotSays, say } from "./test/harness";

const filedBy = (sock: RawSocket, pick: (a: Approval) => boolean) =>
  sock
    .waitFor<EventFrame>(
      (f) =>
        f.type === "event" && f.event === "approval.requested" && pick((f.payload as { approval: Approval }).approval),
      20_000,
    )
    .then((f) => (f.payload as { approval: Approval }).approval);

describe("what the Autopilot asks for, it asks on someone's behalf", () => {
  it("an instance operation and a tool call it files are the trigger's own: confirmed by them, or under the two-person rule decided by another person only", async () => {
    const { owner, sock, thread } = await agentRoom();
    const hello = await sock.hello();
    const bob = await signUp();
    await addMember(owner, owner.workspaceId, bob, "member");
    const bobSock = await RawSocket.open(owner.workspaceId, { cookie: bob.cookie });
    await bobSock.hello();
    const me = { id: hello.principal.id, kind: "user", name: hello.principal.name };

    // Default policy: the trigger confirms it as their own, explicitly.
    await say(sock, thread.id, `STEPS: instances_provision {"instanceId":"by-run","name":"By run"}`);
    const provision = await filedBy(sock, (a) => a.action?.kind === "instance");
    expect(provision).toMatchObject({ requestedBy: { id: "autopilot" }, onBehalfOf: me });
    await autopilotSays(sock, thread.id, (m) => m.text.startsWith("TOOL RESULT SEEN"));
    expect(
      await sock.call("approvals.resolve", { approvalId: provision.id, decision: "approve", idempotencyKey: idem() }),
    ).toMatchObject({
      ok: false,
      error: { code: "forbidden", details: { needs: "confirmOwn" } },
    });
    const confirmed = await sock.ok("approvals.resolve", {
      approvalId: provision.id,
      decision: "approve",
      confirmOwn: true,
      idempotencyKey: idem(),
    });
    expect(confirmed.approval.selfConfirmed).toBe(true);

    // Two-person rule: the loophole is closed for both kinds the Autopilot files.
    await sock.ok("settings.update", { approvals: { twoPersonRule: true }, idempotencyKey: idem() });
    const { thread: target } = await sock.ok("threads.create", { title: "Old notes", idempotencyKey: idem() });
    await say(sock, thread.id, `STEPS: threads_archive {"threadId":"${target.id}"}`);
    const tool = await filedBy(sock, (a) => a.action?.kind === "tool");
    expect(tool).toMatchObject({ requestedBy: { id: "autopilot" }, onBehalfOf: me });
    const refused = await sock.call("approvals.resolve", {
      approvalId: tool.id,
      decision: "approve",
      confirmOwn: true,
      idempotencyKey: idem(),
    });
    expect(refused).toMatchObject({
      ok: false,
      error: { code: "forbidden", message: expect.stringMatching(/two-person rule/) },
    });
    await bobSock.ok("approvals.resolve", { approvalId: tool.id, decision: "approve", idempotencyKey: idem() });
    const ran = await autopilotSays(sock, thread.id, (m) => m.tool?.name === "threads_archive");
    expect(ran.tool).toMatchObject({ status: "ok", approvalId: tool.id });
    for (const s of [sock, bobSock]) s.close();
  });
});
