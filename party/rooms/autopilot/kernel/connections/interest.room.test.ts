import { describe, expect, it } from "vitest";
import type { EventFrame } from "../../../../../shared/protocol/frames";
import type { ThreadBump, ThreadBumpPayload } from "../../../../../shared/protocol/interest";
import { MAX_VIEWED_THREADS } from "../../../../../shared/protocol/interest";
import type { Message } from "../../../../../shared/protocol/threads";
import { OLDEST_PROTOCOL_VERSION } from "../../../../../shared/protocol/version";
import { type Frame, idem, RawSocket, signUp } from "../../../../test/harness";

// Delivery by interest (protocol 18, kernel/connections/interest.ts): a socket that connects
// with `view` gets message bodies and streams of the threads it views and a bump for the rest.

const isEvent =
  (name: string, pick: (payload: never) => boolean = () => true) =>
  (f: Frame) =>
    f.type === "event" && f.event === name && pick((f as unknown as EventFrame).payload as never);
const bodyIn = (threadId: string) =>
  isEvent("message.created", (p: { message: Message }) => p.message.threadId === threadId);
/** A thread.bump frame with an entry for the thread that `pick` accepts. */
const bumpOf = (threadId: string, pick: (b: ThreadBump) => boolean = () => true) =>
  isEvent("thread.bump", (p: ThreadBumpPayload) => p.threads.some((b) => b.threadId === threadId && pick(b)));
const entriesOf = (socket: RawSocket) =>
  socket.events("thread.bump").flatMap((e) => (e.payload as ThreadBumpPayload).threads);
const seqs = (socket: RawSocket) => socket.events().flatMap((e) => (e.seq === undefined ? [] : [e.seq]));

async function room() {
  const owner = await signUp();
  const ws = owner.workspaceId;
  const writer = await RawSocket.open(ws, { cookie: owner.cookie }, { device: "writer" });
  await writer.hello();
  const thread = async (title: string) =>
    (await writer.ok("threads.create", { title, idempotencyKey: idem() })).thread.id;
  const say = async (threadId: string, text: string) =>
    (await writer.ok("chat.send", { threadId, text, idempotencyKey: idem() })).message;
  return { owner, ws, writer, thread, say };
}

describe("delivery by interest", () => {
  it("a socket gets the bodies of the threads it views and a bump for the others; viewing one more brings it without a gap", async () => {
    const { owner, ws, writer, thread, say } = await room();
    const a = await thread("Viewed");
    const b = await thread("Elsewhere");
    const viewer = await RawSocket.open(ws, { cookie: owner.cookie }, { device: "viewer", view: a });
    const hello = await viewer.hello();
    expect(hello.snapshot!.threads.map((t) => t.id).sort()).toEqual([a, b].sort());
    // Another socket viewing only b: a's bump reaching it means the window that holds it went out.
    const other = await RawSocket.open(ws, { cookie: owner.cookie }, { device: "other", view: b });
    await other.hello();

    const inB = await say(b, "the body of b");
    const inA = await say(a, "the body of a");
    await viewer.waitFor(bodyIn(a));
    const bump = await viewer.waitFor<EventFrame>(bumpOf(b));
    expect((bump.payload as ThreadBumpPayload).threads.find((e) => e.threadId === b)).toEqual({
      threadId: b,
      messageCount: 1,
      lastMessageAt: inB.createdAt,
      updatedAt: inB.createdAt,
      lastN: inB.n,
      streams: [],
    });
    expect(bump.seq).toBeUndefined();
    await other.waitFor(bumpOf(a, (p) => p.lastN === inA.n));
    // Frames on one socket keep their order: after this answer nothing sent before it is still on its way.
    await viewer.ok("presence.update", { status: "reading" });
    expect(viewer.frames.some(bodyIn(b))).toBe(false);
    expect(JSON.stringify(viewer.frames)).not.toContain("the body of b");
    // One frame per window for every socket that chose: a's entry may be in it (the client keeps what it has of a).
    expect(entriesOf(viewer).filter((e) => e.threadId === b)).toHaveLength(1);
    // The socket that views everything (no `view`) got both bodies and no bump.
    await writer.waitFor(bodyIn(a));
    expect(writer.frames.some(bodyIn(b))).toBe(true);
    expect(writer.events("thread.bump")).toEqual([]);

    // It views b as well: from the answer on it gets b's messages; with the page it lists, nothing is missing.
    const viewed = await viewer.ok("threads.view", { threads: [a, b, a] });
    expect(viewed).toEqual({ threads: [a, b], streams: [] });
    const page = await viewer.ok("messages.list", { threadId: b });
    expect(page.messages.map((m) => m.text)).toEqual(["the body of b"]);
    const next = await say(b, "the next in b");
    const live = await viewer.waitFor<EventFrame>(bodyIn(b));
    expect((live.payload as { message: Message }).message).toEqual(next);
    // Its seqs rise (the ones it was not sent are skipped, none repeated).
    const got = seqs(viewer);
    expect(got).toEqual([...new Set(got)].sort((x, y) => x - y));
    for (const s of [writer, viewer, other]) s.close();
  });

  it("with bumps.others a socket's bumps leave out the threads it views (no frame for those alone); one that did not ask still gets them", async () => {
    const { owner, ws, writer, thread, say } = await room();
    const a = await thread("Viewed");
    const b = await thread("Elsewhere");
    const lean = await RawSocket.open(ws, { cookie: owner.cookie }, { device: "lean", view: a, caps: "bumps.others" });
    const whole = await RawSocket.open(ws, { cookie: owner.cookie }, { device: "whole", view: a });
    expect((await lean.hello()).capabilities).toContain("bumps.others");
    await whole.hello();

    // A window with a's change alone: the socket that did not ask is told of a, the one that asked has a's body.
    const inA = await say(a, "only a");
    await whole.waitFor(bumpOf(a, (p) => p.lastN === inA.n));
    await lean.waitFor(bodyIn(a));
    // A later window with b's: both are told of b, and the socket that asked has no frame naming a.
    const inB = await say(b, "then b");
    await lean.waitFor(bumpOf(b, (p) => p.lastN === inB.n));
    await whole.waitFor(bumpOf(b, (p) => p.lastN === inB.n));
    expect(entriesOf(lean).filter((e) => e.threadId === a)).toEqual([]);
    expect(entriesOf(lean).filter((e) => e.threadId === b)).toHaveLength(1);
    expect(entriesOf(whole).some((e) => e.threadId === a)).toBe(true);

    // It views b instead: from then on a is one of the others, and its bump reaches it.
    await lean.ok("threads.view", { threads: [b] });
    const again = await say(a, "a again");
    await lean.waitFor(bumpOf(a, (p) => p.lastN === again.n));
    for (const s of [writer, lean, whole]) s.close();
  });

  it("a resume replays the viewed threads' messages and bumps the others once, whatever they missed", async () => {
    const { owner, ws, writer, thread, say } = await room();
    const a = await thread("Viewed");
    const b = await thread("Elsewhere");
    const c = await thread("Quiet");
    const first = await RawSocket.open(ws, { cookie: owner.cookie }, { device: "phone", view: a });
    const hello = await first.hello();
    await say(a, "before");
    await first.waitFor(bodyIn(a));
    const lastSeq = Math.max(...seqs(first));
    first.close();
    await first.waitClosed();

    // Away: three in b, one in a, none in c.
    for (const text of ["b1", "b2", "b3"]) await say(b, text);
    const missed = await say(a, "while away");
    const back = await RawSocket.open(
      ws,
      { cookie: owner.cookie },
      { device: "phone", view: a, lastSeq, epoch: hello.epoch },
    );
    const resumed = await back.hello();
    expect(resumed.snapshot).toBeNull();
    expect(resumed.resumedFrom).toBe(lastSeq);
    const replayed = await back.waitFor<EventFrame>(bodyIn(a));
    expect((replayed.payload as { message: Message }).message).toEqual(missed);
    await back.waitFor(bumpOf(b, (e) => e.messageCount === 3));
    // The bump comes after the replay, one for what it left out: by then every replayed frame is in.
    expect(entriesOf(back).map((e) => e.threadId)).toEqual([b]);
    expect(back.frames.some(bodyIn(b))).toBe(false);
    expect(back.frames.some(bumpOf(c))).toBe(false);
    // Live again: a message in b is a bump, one in a a body.
    await say(b, "b4");
    await back.waitFor(bumpOf(b, (p) => p.messageCount === 4));
    for (const s of [writer, back]) s.close();
  });

  it("a view is bounded and checked; a socket that views everything cannot narrow, a client of 17 gets everything", async () => {
    const { owner, ws, writer, thread, say } = await room();
    const a = await thread("One");
    const many = Array.from({ length: MAX_VIEWED_THREADS + 5 }, (_, i) => `thr_${i}`);
    const viewer = await RawSocket.open(ws, { cookie: owner.cookie }, { view: "" });
    await viewer.hello();
    const refused = await viewer.call("threads.view", { threads: many });
    expect(refused).toMatchObject({ ok: false, error: { code: "bad_request" } });
    expect(await viewer.ok("threads.view", { threads: [] })).toEqual({ threads: [], streams: [] });

    const everything = await writer.call("threads.view", { threads: [a] });
    expect(everything).toMatchObject({ ok: false, error: { code: "bad_request" } });

    // A client of 17 asking to view (it cannot: 18 added it) is sent every thread's messages.
    expect(OLDEST_PROTOCOL_VERSION).toBe(17);
    const old = await RawSocket.open(ws, { cookie: owner.cookie }, { protocol: 17, view: "" });
    expect((await old.hello()).protocol).toBe(17);
    expect(await old.call("threads.view", { threads: [a] })).toMatchObject({
      ok: false,
      error: { code: "unknown_method" },
    });
    await say(a, "to everyone who views it");
    await old.waitFor(bodyIn(a));
    await viewer.waitFor(bumpOf(a));
    await old.ok("presence.update", { status: "here" });
    expect(old.events("thread.bump")).toEqual([]);
    for (const s of [writer, viewer, old]) s.close();
  });

  it("a client of 18, now an older version, views as it did: its thread's bodies once each, a bump for the others", async () => {
    const { owner, ws, thread, say, writer } = await room();
    const a = await thread("Viewed by 18");
    const b = await thread("Not viewed by 18");
    const old = await RawSocket.open(ws, { cookie: owner.cookie }, { protocol: 18, device: "eighteen", view: a });
    expect((await old.hello()).protocol).toBe(18);

    await say(b, "the body of b");
    await say(a, "first in a");
    await old.waitFor(bumpOf(b));
    // A later body in a: what the socket got of the two sends before it has arrived by then.
    await say(a, "second in a");
    await old.waitFor(isEvent("message.created", (p: { message: Message }) => p.message.text === "second in a"));
    const bodies = old.events("message.created").map((e) => (e.payload as { message: Message }).message.text);
    expect(bodies).toEqual(["first in a", "second in a"]);
    for (const s of [writer, old]) s.close();
  });
});
