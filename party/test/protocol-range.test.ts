import { describe, expect, it } from "vitest";
import type { Approval } from "../../shared/protocol/approvals";
import { CUTS } from "../../shared/protocol/cuts/index";
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
    const hellos = await Promise.all([current.hello(), old.hello(), oldAgent.hello()]);
    expect(hellos.map((h) => h.protocol)).toEqual([PROTOCOL_VERSION, OLDER, OLDER]);
    // Every frame the older sockets get is checked strictly against the previous version's
    // recorded schemas (harness.ts); what both versions share arrives as it is.

    // Threads both ways.
    const { thread } = await current.ok("threads.create", { title: "Both versions", idempotencyKey: idem() });
    const seen = await old.waitFor<EventFrame>(
      (f) => isEvent("thread.created")(f) && (f.payload as { thread: { id: string } }).thread.id === thread.id,
    );
    expect((seen.payload as { thread: object }).thread).toEqual(thread);
    const made = await old.ok("threads.create", { title: "From the old client", idempotencyKey: idem() });
    expect(made.thread.responder.agents).toBe(false);
    await current.waitFor(
      (f) => isEvent("thread.created")(f) && (f.payload as { thread: { id: string } }).thread.id === made.thread.id,
    );
    await old.ok("chat.send", { threadId: thread.id, text: "hello from the previous version", idempotencyKey: idem() });
    await current.waitFor(
      (f) =>
        isEvent("message.created")(f) &&
        (f.payload as { message: { text: string } }).message.text === "hello from the previous version",
    );

    // An approval the old agent asks for; a person of the current version decides it.
    const { approval } = await oldAgent.ok("approvals.request", {
      title: "Deploy",
      threadId: thread.id,
      idempotencyKey: idem(),
    });
    expect(approval.summary).toBe("Deploy");
    const live = await current.waitFor<EventFrame>((f) => isEvent("approval.requested")(f));
    expect((live.payload as { approval: Approval }).approval).toEqual(approval);
    await current.ok("approvals.resolve", { approvalId: approval.id, decision: "approve", idempotencyKey: idem() });
    const decided = await oldAgent.waitFor<EventFrame>((f) => isEvent("approval.resolved")(f));
    expect((decided.payload as { approval: { status: string } }).approval.status).toBe("approved");
    expect((decided.payload as { approval: object }).approval).toHaveProperty("selfConfirmed", false);
    const listed = await old.ok("approvals.list", { status: "approved", limit: 100 });
    expect(listed.approvals.map((a) => a.id)).toContain(approval.id);

    // A method the current version added is unknown to the older one, as its own server would say.
    // (Every method the newest cut names: it lists what the version added.)
    for (const method of CUTS[0]!.methods)
      expect(await old.call(method as "threads.list", {})).toMatchObject({
        ok: false,
        error: { code: "unknown_method", message: `unknown method ${method}` },
      });
    expect((await old.ok("tasks.list", {})).tasks).toEqual([]);

    // Durable and ephemeral events of both versions reach the older sockets: the settings
    // (durable, with its seq) and a person's inbox (ephemeral, to that person's sockets only).
    await current.ok("settings.update", { approvals: { twoPersonRule: true }, idempotencyKey: idem() });
    const changed = await old.waitFor<EventFrame>(isEvent("settings.changed"));
    expect(changed.seq).toBeGreaterThan(0);
    const mentioned = await current.ok("chat.send", {
      threadId: thread.id,
      text: `@${member.name} please look`,
      idempotencyKey: idem(),
    });
    await old.waitFor(isEvent("inbox.updated"));
    await old.waitFor(
      (f) =>
        isEvent("message.created")(f) && (f.payload as { message: { id: string } }).message.id === mentioned.message.id,
    );

    // Resuming: the missed events replay in the old version's shapes; a fresh snapshot too.
    const hello = await old.hello();
    old.close();
    await current.ok("approvals.request", { title: "While away", idempotencyKey: idem() });
    const back = await RawSocket.open(
      ws,
      { cookie: member.cookie },
      { protocol: OLDER, lastSeq: hello.seq, epoch: hello.epoch },
    );
    expect((await back.hello()).protocol).toBe(OLDER);
    await back.waitFor(
      (f) =>
        isEvent("approval.requested")(f) &&
        (f.payload as { approval: { title: string } }).approval.title === "While away",
    );
    const fresh = await RawSocket.open(ws, { cookie: member.cookie }, { protocol: OLDER });
    const freshHello = await fresh.hello();
    expect(freshHello.protocol).toBe(OLDER);
    const snapshot = freshHello.snapshot as HelloPayload["snapshot"] & object;
    expect(snapshot.settings.approvals.twoPersonRule).toBe(true);
    expect(snapshot.approvals.find((a) => a.title === "While away")?.summary).toBe("While away");
    for (const s of [current, oldAgent, back, fresh]) s.close();
  });
});
