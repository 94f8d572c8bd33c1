// Read state kept in the room (docs/inbox.md, "Read state"): a principal's marker per thread,
// moved by `threads.markRead`, told to that principal's own sockets only (`thread.read`), carried
// by every hello so a fresh sign-in on another device sees what was read, and reading the
// inbox items of the thread it newly covers.
import { OLDEST_PROTOCOL_VERSION } from "../../../../../shared/protocol/version";
import { describe, expect, it } from "vitest";
import type { EventFrame } from "../../../../../shared/protocol/frames";
import type { Inbox } from "../../../../../shared/protocol/inbox";
import type { ThreadRead } from "../../../../../shared/protocol/reads";
import { addMember, createKey, idem, openTeam, ownWorkspace, RawSocket, signUp } from "../../../../test/harness";

type ReadFrame = EventFrame & { payload: { threadId: string; read: ThreadRead } };
type InboxFrame = EventFrame & { payload: { inbox: Inbox } };

const readEvents = (socket: RawSocket) => socket.events("thread.read") as ReadFrame[];

/** The first inbox a socket was sent that passes `check`. */
async function inboxWhere(socket: RawSocket, check: (inbox: Inbox) => boolean): Promise<Inbox> {
  const frame = await socket.waitFor<InboxFrame>(
    (f) => f.type === "event" && f.event === "inbox.updated" && check((f as unknown as InboxFrame).payload.inbox),
  );
  return frame.payload.inbox;
}

describe("read state", () => {
  it("a mark reaches the reader's other sockets only, and a later hello (another device) carries it", async () => {
    const { ws, owner, ownerSocket, secondSocket, agentSocket } = await openTeam("member");
    const otherTab = await RawSocket.open(ws, { cookie: owner.cookie });
    expect((await otherTab.hello()).reads).toEqual({});
    const { thread } = await ownerSocket.ok("threads.create", { title: "Plans", idempotencyKey: idem() });
    const first = await secondSocket.ok("chat.send", { threadId: thread.id, text: "one", idempotencyKey: idem() });
    const second = await secondSocket.ok("chat.send", { threadId: thread.id, text: "two", idempotencyKey: idem() });

    const marked = await ownerSocket.ok("threads.markRead", {
      threadId: thread.id,
      throughN: first.message.n,
      idempotencyKey: idem(),
    });
    expect(marked).toEqual({ threadId: thread.id, read: { n: first.message.n, count: 1 } });
    const told = await otherTab.waitFor<ReadFrame>((f) => f.type === "event" && f.event === "thread.read");
    expect(told.payload).toEqual({ threadId: thread.id, read: { n: first.message.n, count: 1 } });

    // Nobody else hears of it: by the time each has an answer to a later request, the event would have come.
    // (The writer heard of their own marker, which counts the two messages they sent.)
    await secondSocket.ok("threads.list", {});
    await agentSocket.ok("threads.list", {});
    expect(readEvents(secondSocket).map((f) => f.payload.read)).toEqual([
      { n: first.message.n, count: 1 },
      { n: second.message.n, count: 2 },
    ]);
    expect(readEvents(agentSocket)).toEqual([]);

    // A fresh sign-in elsewhere: the hello has the marker, so one of the thread's two messages is unread there.
    const device = await RawSocket.open(ws, { cookie: owner.cookie });
    const hello = await device.hello();
    expect(hello.reads).toEqual({ [thread.id]: { n: first.message.n, count: 1 } });
    expect(hello.snapshot?.threads.find((t) => t.id === thread.id)?.messageCount).toBe(2);
    // The other person has read nothing.
    const theirs = await RawSocket.open(ws, { cookie: (await signUpMember(owner, ws)).cookie });
    expect((await theirs.hello()).reads).toEqual({});

    // Through the newest: both covered.
    await device.ok("threads.markRead", { threadId: thread.id, throughN: second.message.n, idempotencyKey: idem() });
    const both = await ownerSocket.waitFor<ReadFrame>(
      (f) => f.type === "event" && f.event === "thread.read" && (f as ReadFrame).payload.read.count === 2,
    );
    expect(both.payload.read).toEqual({ n: second.message.n, count: 2 });
    for (const s of [ownerSocket, secondSocket, agentSocket, otherTab, device, theirs]) s.close();
  });

  it("a marker only moves forward and stops at the thread's newest message; unknown threads are refused", async () => {
    const { owner, sock } = await ownWorkspace();
    // Someone else writes: the reader's own messages would count as read without a mark.
    const writer = await RawSocket.open(owner.workspaceId, {
      key: (await createKey(owner, owner.workspaceId, ["read", "write"])).key,
    });
    await writer.hello();
    const { thread } = await sock.ok("threads.create", { title: "Forward", idempotencyKey: idem() });
    const a = await writer.ok("chat.send", { threadId: thread.id, text: "a", idempotencyKey: idem() });
    const b = await writer.ok("chat.send", { threadId: thread.id, text: "b", idempotencyKey: idem() });

    // A far ordinal counts as the newest message: a later message is still unread afterwards.
    const far = await sock.ok("threads.markRead", {
      threadId: thread.id,
      throughN: b.message.n + 1_000_000,
      idempotencyKey: idem(),
    });
    expect(far.read).toEqual({ n: b.message.n, count: 2 });
    const c = await writer.ok("chat.send", { threadId: thread.id, text: "c", idempotencyKey: idem() });
    const back = await sock.ok("threads.markRead", {
      threadId: thread.id,
      throughN: a.message.n,
      idempotencyKey: idem(),
    });
    expect(back.read).toEqual({ n: b.message.n, count: 2 });
    const events = readEvents(sock).length;
    const last = await sock.ok("threads.markRead", {
      threadId: thread.id,
      throughN: c.message.n,
      idempotencyKey: idem(),
    });
    expect(last.read).toEqual({ n: c.message.n, count: 3 });
    // Two moves, two events (the one that went back sent none).
    await sock.waitFor((f) => f.type === "event" && f.event === "thread.read" && readEvents(sock).length > events);
    expect(readEvents(sock).map((f) => f.payload.read.n)).toEqual([b.message.n, c.message.n]);

    expect(
      await sock.call("threads.markRead", { threadId: "thr_nope", throughN: 1, idempotencyKey: idem() }),
    ).toMatchObject({ ok: false, error: { code: "not_found" } });
    expect(
      await sock.call("threads.markRead", { threadId: thread.id, throughN: 0, idempotencyKey: idem() }),
    ).toMatchObject({ ok: false, error: { code: "bad_request" } });
    expect(
      await sock.call("threads.markRead", { threadId: thread.id, throughN: 1.5, idempotencyKey: idem() }),
    ).toMatchObject({ ok: false, error: { code: "bad_request" } });
    sock.close();
    writer.close();
  });

  it("an agent key keeps its own markers, with read scope only", async () => {
    const { owner, ws, sock } = await ownWorkspace();
    const { thread } = await sock.ok("threads.create", { title: "Agents read too", idempotencyKey: idem() });
    const writer = await RawSocket.open(ws, { key: (await createKey(owner, ws, ["read", "write"])).key });
    await writer.hello();
    const { message } = await writer.ok("chat.send", { threadId: thread.id, text: "hi", idempotencyKey: idem() });
    const reader = await createKey(owner, ws, ["read"]);
    const agent = await RawSocket.open(ws, { key: reader.key });
    await agent.hello();
    const marked = await agent.ok("threads.markRead", {
      threadId: thread.id,
      throughN: message.n,
      idempotencyKey: idem(),
    });
    expect(marked.read).toEqual({ n: message.n, count: 1 });
    const again = await RawSocket.open(ws, { key: reader.key });
    expect((await again.hello()).reads).toEqual({ [thread.id]: { n: message.n, count: 1 } });
    // The person's own markers are theirs: the agent's mark is not among them.
    const tab = await RawSocket.open(ws, { cookie: owner.cookie });
    expect((await tab.hello()).reads).toEqual({});
    for (const s of [sock, writer, agent, again, tab]) s.close();
  });

  it("what the reader watched arrive leaves their inbox read; an item marked unread on purpose stays unread", async () => {
    const { ws, owner, ownerSocket, secondSocket } = await openTeam("member");
    const { thread } = await ownerSocket.ok("threads.create", { title: "Watched", idempotencyKey: idem() });
    await ownerSocket.ok("chat.send", { threadId: thread.id, text: "mine", idempotencyKey: idem() });
    const reply = await secondSocket.ok("chat.send", { threadId: thread.id, text: "a reply", idempotencyKey: idem() });
    const key = `reply:${reply.message.id}`;
    await inboxWhere(ownerSocket, (inbox) => inbox.items.some((item) => item.key === key && !item.read));
    const otherTab = await RawSocket.open(ws, { cookie: owner.cookie });
    await otherTab.hello();

    await ownerSocket.ok("threads.markRead", {
      threadId: thread.id,
      throughN: reply.message.n,
      idempotencyKey: idem(),
    });
    // Every tab of the reader gets the inbox with the reply read.
    for (const s of [ownerSocket, otherTab])
      await inboxWhere(s, (inbox) => inbox.items.some((item) => item.key === key && item.read));
    expect((await ownerSocket.ok("inbox.get", {})).inbox.unread).toBe(0);

    // Marked unread on purpose: marking the thread read again through the same message keeps it unread.
    await ownerSocket.ok("inbox.markRead", { keys: [key], read: false, idempotencyKey: idem() });
    await ownerSocket.ok("threads.markRead", {
      threadId: thread.id,
      throughN: reply.message.n,
      idempotencyKey: idem(),
    });
    expect((await ownerSocket.ok("inbox.get", {})).inbox.items.find((item) => item.key === key)?.read).toBe(false);
    for (const s of [ownerSocket, secondSocket, otherTab]) s.close();
  });

  it("what a person writes counts as read by them, and only that: others' messages before it stay unread", async () => {
    const { ws, owner, ownerSocket, secondSocket } = await openTeam("member");
    const otherTab = await RawSocket.open(ws, { cookie: owner.cookie });
    await otherTab.hello();
    const { thread } = await ownerSocket.ok("threads.create", { title: "Own", idempotencyKey: idem() });
    const send = (socket: RawSocket, text: string, idempotencyKey = idem()) =>
      socket.ok("chat.send", { threadId: thread.id, text, idempotencyKey });
    const unread = async () => {
      const device = await RawSocket.open(ws, { cookie: owner.cookie });
      const hello = await device.hello();
      device.close();
      const read = hello.reads?.[thread.id];
      const count = hello.snapshot?.threads.find((t) => t.id === thread.id)?.messageCount ?? 0;
      return { read, unread: count - (read?.count ?? 0) };
    };

    // Caught up: the marker moves onto the sender's message, and their other tab is told.
    const mine = await send(ownerSocket, "mine");
    expect(await unread()).toEqual({ read: { n: mine.message.n, count: 1 }, unread: 0 });
    const told = await otherTab.waitFor<ReadFrame>((f) => f.type === "event" && f.event === "thread.read");
    expect(told.payload).toEqual({ threadId: thread.id, read: { n: mine.message.n, count: 1 } });

    // Behind (the other person wrote since): theirs stays unread, the sender's own counts as read.
    const theirs = await send(secondSocket, "theirs");
    const sentKey = idem();
    await send(ownerSocket, "mine again", sentKey);
    expect(await unread()).toEqual({ read: { n: mine.message.n, count: 2 }, unread: 1 });
    // The same request again (a tab's outbox sending it once more) posts nothing and counts nothing.
    await send(ownerSocket, "mine again", sentKey);
    expect(await unread()).toEqual({ read: { n: mine.message.n, count: 2 }, unread: 1 });
    await otherTab.waitFor<ReadFrame>(
      (f) => f.type === "event" && f.event === "thread.read" && (f as ReadFrame).payload.read.count === 2,
    );

    // Reading through theirs covers everything, the sender's later message included.
    await ownerSocket.ok("threads.markRead", {
      threadId: thread.id,
      throughN: theirs.message.n,
      idempotencyKey: idem(),
    });
    expect(await unread()).toEqual({ read: { n: theirs.message.n, count: 3 }, unread: 0 });
    for (const s of [ownerSocket, secondSocket, otherTab]) s.close();
  });

  it("a socket of the previous version (10, which added read state) keeps markers as they are", async () => {
    const { owner, ws, sock: current } = await ownWorkspace();
    const old = await RawSocket.open(ws, { cookie: owner.cookie }, { protocol: OLDEST_PROTOCOL_VERSION });
    const oldHello = await old.hello();
    expect(oldHello.protocol).toBe(OLDEST_PROTOCOL_VERSION);
    expect(oldHello.reads).toEqual({});
    const { thread } = await current.ok("threads.create", { title: "Old", idempotencyKey: idem() });
    const { message } = await current.ok("chat.send", { threadId: thread.id, text: "x", idempotencyKey: idem() });
    const marked = await old.ok("threads.markRead", {
      threadId: thread.id,
      throughN: message.n,
      idempotencyKey: idem(),
    });
    expect(marked).toEqual({ threadId: thread.id, read: { n: message.n, count: 1 } });
    // The mark reaches the person's other socket, of the current version, as it is.
    await current.waitFor((f) => f.type === "event" && f.event === "thread.read");
    for (const s of [current, old]) s.close();
  });
});

/** A second person, a member of `ws`. */
async function signUpMember(owner: Awaited<ReturnType<typeof signUp>>, ws: string) {
  const person = await signUp();
  await addMember(owner, ws, person, "member");
  return person;
}
