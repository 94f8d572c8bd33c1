import { describe, expect, it } from "vitest";
import type { Approval } from "../../shared/protocol/approvals";
import type { EventFrame } from "../../shared/protocol/frames";
import type { HelloPayload } from "../../shared/protocol/hello";
import { OLDEST_PROTOCOL_VERSION, PROTOCOL_VERSION } from "../../shared/protocol/version";
import { addMember, createKey, idem, RawSocket, signUp } from "./harness";

// Every frame a RawSocket of an older version gets is checked against that version's
// recorded wire schemas after each test (harness.ts, older-protocol.ts): strict, as a client
// built for that version would read them. Frames of the current version, against today's.
const OLDER = OLDEST_PROTOCOL_VERSION;

const isEvent = (name: string) => (f: { type: string; event?: unknown }) => f.type === "event" && f.event === name;

describe("the room speaks a range of protocol versions", () => {
  it("refuses versions outside the range with 4008 and the range in the reason", async () => {
    const alice = await signUp();
    for (const protocol of [OLDEST_PROTOCOL_VERSION - 1, 1, PROTOCOL_VERSION + 1, "x", "7.5"]) {
      const sock = await RawSocket.open(alice.workspaceId, { cookie: alice.cookie }, { protocol });
      expect(await sock.waitClosed()).toEqual({
        code: 4008,
        reason: `protocol ${protocol} is not supported: this server speaks protocols ${OLDEST_PROTOCOL_VERSION} to ${PROTOCOL_VERSION}`,
      });
      expect(sock.frames).toEqual([]);
    }
    for (const protocol of [OLDEST_PROTOCOL_VERSION, PROTOCOL_VERSION]) {
      const sock = await RawSocket.open(alice.workspaceId, { cookie: alice.cookie }, { protocol });
      // The hello names the version the socket speaks: each client checks it against its own.
      expect((await sock.hello()).protocol).toBe(protocol);
      sock.close();
    }
  });

  it("a client of the previous version and one of the current work together, each in its own shapes", async () => {
    const owner = await signUp();
    const ws = owner.workspaceId;
    const member = await signUp();
    expect((await addMember(owner, ws, member, "member")).status).toBe(201);
    const agent = await createKey(owner, ws);

    const current = await RawSocket.open(ws, { cookie: owner.cookie }, { protocol: PROTOCOL_VERSION });
    const old = await RawSocket.open(ws, { cookie: member.cookie }, { protocol: OLDER });
    const oldAgent = await RawSocket.open(ws, { key: agent.key }, { protocol: OLDER });
    await Promise.all([current.hello(), old.hello(), oldAgent.hello()]);

    // Threads both ways.
    const { thread } = await current.ok("threads.create", { title: "Both versions", idempotencyKey: idem() });
    const seen = await old.waitFor<EventFrame>(
      (f) => isEvent("thread.created")(f) && (f.payload as { thread: { id: string } }).thread.id === thread.id,
    );
    expect(seen.payload).not.toHaveProperty("thread.waiting");
    expect((seen.payload as { thread: { responder: object } }).thread.responder).not.toHaveProperty("agents");
    const made = await old.ok("threads.create", { title: "From the old client", idempotencyKey: idem() });
    expect(made.thread.responder).not.toHaveProperty("agents");
    await current.waitFor(
      (f) => isEvent("thread.created")(f) && (f.payload as { thread: { id: string } }).thread.id === made.thread.id,
    );
    await old.ok("chat.send", { threadId: thread.id, text: "hello from 7", idempotencyKey: idem() });
    await current.waitFor(
      (f) =>
        isEvent("message.created")(f) && (f.payload as { message: { text: string } }).message.text === "hello from 7",
    );

    // An approval the old agent asks for; a person of the current version decides it.
    const { approval } = await oldAgent.ok("approvals.request", {
      title: "Deploy",
      threadId: thread.id,
      idempotencyKey: idem(),
    });
    expect(approval).not.toHaveProperty("summary");
    expect(approval).not.toHaveProperty("onBehalfOf");
    const live = await current.waitFor<EventFrame>((f) => isEvent("approval.requested")(f));
    expect((live.payload as { approval: Approval }).approval.summary).toBe("Deploy");
    await current.ok("approvals.resolve", { approvalId: approval.id, decision: "approve", idempotencyKey: idem() });
    const decided = await oldAgent.waitFor<EventFrame>((f) => isEvent("approval.resolved")(f));
    expect((decided.payload as { approval: { status: string } }).approval.status).toBe("approved");
    expect((decided.payload as { approval: object }).approval).not.toHaveProperty("selfConfirmed");
    const listed = await old.ok("approvals.list", { status: "approved", limit: 100 });
    expect(listed.approvals.map((a) => a.id)).toContain(approval.id);

    // A durable event the old version does not know still comes, with its seq (an unknown
    // event to it, as every version reads them); the inbox, ephemeral and new, does not.
    await current.ok("settings.update", { approvals: { twoPersonRule: true }, idempotencyKey: idem() });
    const changed = await old.waitFor<EventFrame>(isEvent("settings.changed"));
    expect(changed.seq).toBeGreaterThan(0);
    const mentioned = await current.ok("chat.send", {
      threadId: thread.id,
      text: `@${member.name} please look`,
      idempotencyKey: idem(),
    });
    const memberNow = await RawSocket.open(ws, { cookie: member.cookie }, { protocol: PROTOCOL_VERSION });
    await memberNow.waitFor(isEvent("inbox.updated"));
    await old.waitFor(
      (f) =>
        isEvent("message.created")(f) && (f.payload as { message: { id: string } }).message.id === mentioned.message.id,
    );
    expect(old.events("inbox.updated")).toEqual([]);

    // Resuming: the missed events replay in the old version's shapes; a fresh snapshot too.
    const hello = await old.hello();
    old.close();
    await current.ok("approvals.request", { title: "While away", idempotencyKey: idem() });
    const back = await RawSocket.open(
      ws,
      { cookie: member.cookie },
      { protocol: OLDER, lastSeq: hello.seq, epoch: hello.epoch },
    );
    await back.waitFor(
      (f) =>
        isEvent("approval.requested")(f) &&
        (f.payload as { approval: { title: string } }).approval.title === "While away",
    );
    const fresh = await RawSocket.open(ws, { cookie: member.cookie }, { protocol: OLDER });
    const snapshot = (await fresh.hello()).snapshot as HelloPayload["snapshot"] & object;
    expect(snapshot).not.toHaveProperty("settings");
    expect(snapshot.approvals.length).toBeGreaterThan(0);
    for (const a of snapshot.approvals) expect(a).not.toHaveProperty("summary");
    for (const s of [current, oldAgent, memberNow, back, fresh]) s.close();
  });
});
