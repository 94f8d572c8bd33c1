// The fan-out tier (docs/scale.md): with DELIVERY_OBJECTS = 4 (this project's binding) every
// socket of a workspace is held by one of its four delivery objects, and the Autopilot room
// sends each frame once to each of them. The sockets must not be able to tell: every durable
// event once and in order, resume exact, access that holds live, presence counting everyone.
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { type EventFrame, MAX_CLIENT_FRAME_BYTES, type ResponseFrame } from "../../../shared/protocol/frames";
import type { HelloPayload } from "../../../shared/protocol/hello";
import { OLDEST_PROTOCOL_VERSION, PROTOCOL_VERSION } from "../../../shared/protocol/version";
import { api, autopilotStub, createKey, idem, RawSocket, signUp } from "../../test/harness";
import { deliveryName } from "../shared/delivery-link";
import type { Delivery } from "./delivery";

const K = 4;
const deliveries = (env as unknown as { Delivery: DurableObjectNamespace<Delivery> }).Delivery;
const delivery = (ws: string, tier: number) => deliveries.getByName(deliveryName(ws, tier));

/** How many sockets each of the workspace's delivery objects holds. */
async function held(ws: string): Promise<number[]> {
  const counts: number[] = [];
  for (let tier = 0; tier < K; tier++)
    counts.push(await runInDurableObject(delivery(ws, tier), (_obj, state) => state.getWebSockets().length));
  return counts;
}

/** Whether the room keeps a row for this remote socket (1) or not (0). */
const tierSocketRows = (ws: string, id: string) =>
  runInDurableObject(
    autopilotStub(ws),
    (_room, state) =>
      state.storage.sql
        .exec<{ n: number }>("SELECT count(*) AS n FROM feature_records WHERE kind = 'tier socket' AND key = ?", id)
        .one().n,
  );

/** The durable seqs a socket received after its hello, in the order it got them. */
const seqsOf = (sock: RawSocket): number[] =>
  sock.frames.flatMap((f) =>
    f.type === "event" && (f as EventFrame).seq !== undefined ? [(f as EventFrame).seq!] : [],
  );

const messagesIn = (sock: RawSocket, threadId: string): string[] =>
  sock.events("message.created").flatMap((e) => {
    const message = (e.payload as { message: { threadId: string; text: string } }).message;
    return message.threadId === threadId ? [message.text] : [];
  });

/** A request on each socket: "answered", or the code it was closed with instead. */
const askEach = (sockets: RawSocket[]) =>
  Promise.all(
    sockets.map((s) =>
      s.call("threads.list", {}).then(
        (res) => (res.ok ? "answered" : "refused"),
        () => s.closed?.code ?? "timed out",
      ),
    ),
  );

async function openMany(ws: string, cookie: string, n: number): Promise<RawSocket[]> {
  const sockets: RawSocket[] = [];
  for (let i = 0; i < n; i++) sockets.push(await RawSocket.open(ws, { cookie }, { device: `d${i}` }));
  await Promise.all(sockets.map((s) => s.hello()));
  return sockets;
}

/** A new person's workspace and `n` sockets of theirs, each past its hello. */
async function ownSockets(n: number) {
  const owner = await signUp();
  const ws = owner.workspaceId;
  return { owner, ws, sockets: await openMany(ws, owner.cookie, n) };
}

/**
 * 40 sockets of one person, so every delivery object holds some all along (and gets every
 * durable event); a thread with one message, which the second socket got before it left.
 */
async function oneLeft() {
  const { owner, ws, sockets } = await ownSockets(40);
  expect((await held(ws)).every((n) => n > 0)).toBe(true);
  const writer = sockets[0]!;
  const reader = sockets[1]!;
  const { thread } = await writer.ok("threads.create", { title: "Away", idempotencyKey: idem() });
  await writer.ok("chat.send", { threadId: thread.id, text: "before", idempotencyKey: idem() });
  await reader.waitFor(() => messagesIn(reader, thread.id).length === 1);
  const hello = reader.events("hello")[0]!.payload as HelloPayload;
  const lastSeq = Math.max(...seqsOf(reader));
  reader.close();
  return { owner, ws, sockets: sockets.slice(2).concat(writer), writer, thread, lastSeq, hello };
}

describe("a workspace whose sockets four delivery objects hold", () => {
  it("greets every socket, answers its requests and gives each durable event to each socket once, in order, across the delivery objects' eviction", async () => {
    const { owner, ws, sockets } = await ownSockets(40);
    const counts = await held(ws);
    // Dealt at random: with 40 sockets every one of the four holds some.
    expect(counts.reduce((a, b) => a + b, 0)).toBe(40);
    expect(counts.every((n) => n > 0)).toBe(true);

    const writer = sockets[0]!;
    const { thread } = await writer.ok("threads.create", { title: "Tier", idempotencyKey: idem() });
    const texts: string[] = [];
    for (let i = 0; i < 6; i++) {
      texts.push(`m${i}`);
      await writer.ok("chat.send", { threadId: thread.id, text: `m${i}`, idempotencyKey: idem() });
      // Halfway, every delivery object is evicted with its sockets open (hibernation): they stay connected.
      if (i === 2) for (let tier = 0; tier < K; tier++) await evictDurableObject(delivery(ws, tier));
    }
    for (const sock of sockets) {
      await sock.waitFor((f) => f.type === "event" && messagesIn(sock, thread.id).length === texts.length, 10_000);
      expect(messagesIn(sock, thread.id)).toEqual(texts);
      const seqs = seqsOf(sock);
      // Each once, in order, with no gap.
      expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => seqs[0]! + i));
    }
    // Presence counts every socket, wherever it is held.
    const late = await RawSocket.open(ws, { cookie: owner.cookie });
    const hello = await late.hello();
    expect(hello.presence?.connections).toBe(41);
    for (const sock of [...sockets, late]) sock.close();
  });

  it("resumes a socket exactly after a disconnect, and after the room itself was evicted", async () => {
    const { owner, ws, sockets } = await ownSockets(2);
    const [writer, reader] = sockets;
    const { thread } = await writer!.ok("threads.create", { title: "Resume", idempotencyKey: idem() });
    await writer!.ok("chat.send", { threadId: thread.id, text: "before", idempotencyKey: idem() });
    await reader!.waitFor(() => messagesIn(reader!, thread.id).length === 1);
    const hello = reader!.events("hello")[0]!.payload as HelloPayload;
    const lastSeq = Math.max(...seqsOf(reader!));
    reader!.close();
    // Its row goes with it: a room that wakes neither counts it nor sends to it.
    await expect.poll(() => tierSocketRows(ws, hello.connectionId), { timeout: 5_000 }).toBe(0);
    await writer!.ok("chat.send", { threadId: thread.id, text: "while away", idempotencyKey: idem() });
    // The room hibernates with the writer's socket held by a delivery object: it must still serve it after.
    await evictDurableObject(autopilotStub(ws));
    await writer!.ok("chat.send", { threadId: thread.id, text: "after the room woke", idempotencyKey: idem() });

    const back = await RawSocket.open(ws, { cookie: owner.cookie }, { lastSeq, epoch: hello.epoch });
    const resumed = await back.hello();
    expect(resumed.snapshot).toBeNull();
    expect(resumed.presence?.connections).toBe(2);
    await back.waitFor(() => messagesIn(back, thread.id).length === 2, 10_000);
    expect(messagesIn(back, thread.id)).toEqual(["while away", "after the room woke"]);
    expect(seqsOf(back)[0]).toBe(lastSeq + 1);
    expect(messagesIn(writer!, thread.id)).toEqual(["before", "while away", "after the room woke"]);
    writer!.close();
    back.close();
  });

  it("replays a socket that comes back from what its delivery object kept, not from the room's log", async () => {
    const { owner, ws, sockets, writer, thread, lastSeq, hello } = await oneLeft();
    const away = ["a1", "a2", "a3", "a4"];
    for (const text of away) await writer.ok("chat.send", { threadId: thread.id, text, idempotencyKey: idem() });
    // The room's log loses the gap but its first and last events: only what a delivery object
    // kept can fill it (the room's own replay would skip what is gone).
    const { end, left } = await runInDurableObject(autopilotStub(ws), (_room, state) => {
      const sql = state.storage.sql;
      const last = sql.exec<{ seq: number }>("SELECT max(seq) AS seq FROM events").one().seq;
      sql.exec("DELETE FROM events WHERE seq > ? AND seq < ?", lastSeq + 1, last);
      return {
        end: last,
        left: sql.exec<{ n: number }>("SELECT count(*) AS n FROM events WHERE seq > ?", lastSeq).one().n,
      };
    });
    expect(left).toBe(2);
    expect(end - lastSeq).toBeGreaterThanOrEqual(away.length);

    const back = await RawSocket.open(ws, { cookie: owner.cookie }, { lastSeq, epoch: hello.epoch });
    const resumed = await back.hello();
    expect(resumed.resumedFrom).toBe(lastSeq);
    expect(resumed.seq).toBe(end);
    await back.waitFor(() => messagesIn(back, thread.id).length === away.length, 10_000);
    expect(messagesIn(back, thread.id)).toEqual(away);
    // Each event of the gap once, in order, then what came after.
    await writer.ok("chat.send", { threadId: thread.id, text: "after", idempotencyKey: idem() });
    await back.waitFor(() => messagesIn(back, thread.id).length === away.length + 1, 10_000);
    const got = seqsOf(back);
    expect(got).toEqual(Array.from({ length: got.length }, (_, i) => lastSeq + 1 + i));
    for (const sock of [...sockets, back]) sock.close();
  });

  it("leaves out of a kept replay the threads the socket does not view, and the room bumps them", async () => {
    const { owner, ws, sockets } = await ownSockets(40);
    expect((await held(ws)).every((n) => n > 0)).toBe(true);
    const writer = sockets[0]!;
    const { thread: a } = await writer.ok("threads.create", { title: "A", idempotencyKey: idem() });
    const { thread: b } = await writer.ok("threads.create", { title: "B", idempotencyKey: idem() });
    const bumpOf = (threadId: string) => (f: { type: string }) =>
      f.type === "event" &&
      (f as EventFrame).event === "thread.bump" &&
      JSON.stringify((f as EventFrame).payload).includes(threadId);
    const viewer = await RawSocket.open(ws, { cookie: owner.cookie }, { view: a.id });
    const watcher = await RawSocket.open(ws, { cookie: owner.cookie }, { view: a.id });
    // One that asked for bumps.others is not bumped for a, which it views (decision 89).
    const lean = await RawSocket.open(ws, { cookie: owner.cookie }, { view: a.id, caps: "bumps.others" });
    const hello = await viewer.hello();
    await watcher.hello();
    await lean.hello();
    await writer.ok("chat.send", { threadId: a.id, text: "a0", idempotencyKey: idem() });
    await viewer.waitFor(() => messagesIn(viewer, a.id).length === 1);
    const lastSeq = Math.max(...seqsOf(viewer));
    viewer.close();
    await writer.ok("chat.send", { threadId: b.id, text: "b1", idempotencyKey: idem() });
    await writer.ok("chat.send", { threadId: a.id, text: "a1", idempotencyKey: idem() });
    // The bump window that carries b went out (the watcher got it) before the viewer comes back:
    // a bump of b it gets now is the one its replay asked for.
    await watcher.waitFor(bumpOf(b.id), 10_000);
    const back = await RawSocket.open(ws, { cookie: owner.cookie }, { view: a.id, lastSeq, epoch: hello.epoch });
    await back.hello();
    await back.waitFor(bumpOf(b.id), 10_000);
    await back.waitFor(() => messagesIn(back, a.id).length === 1);
    expect(messagesIn(back, a.id)).toEqual(["a1"]);
    expect(messagesIn(back, b.id)).toEqual([]);
    await lean.waitFor(bumpOf(b.id), 10_000);
    expect(watcher.frames.some(bumpOf(a.id))).toBe(true);
    expect(lean.frames.some(bumpOf(a.id))).toBe(false);
    for (const sock of [...sockets, watcher, lean, back]) sock.close();
  });

  it("replays from the room's log a socket whose delivery object kept nothing, and one told to replay what it lost has the socket come back", async () => {
    const { owner, ws, sockets, writer, thread, lastSeq, hello } = await oneLeft();
    await writer.ok("chat.send", { threadId: thread.id, text: "away", idempotencyKey: idem() });
    // Hibernation drops what each delivery object kept; their sockets stay connected.
    for (let tier = 0; tier < K; tier++) await evictDurableObject(delivery(ws, tier));
    const back = await RawSocket.open(ws, { cookie: owner.cookie }, { lastSeq, epoch: hello.epoch });
    await back.hello();
    await back.waitFor(() => messagesIn(back, thread.id).length === 1, 10_000);
    expect(messagesIn(back, thread.id)).toEqual(["away"]);
    expect(seqsOf(back)[0]).toBe(lastSeq + 1);

    // Told to replay what it does not hold, a delivery object has the socket resume (1012) instead.
    const id = (back.events("hello")[0]!.payload as HelloPayload).connectionId;
    let holder = -1;
    for (let tier = 0; tier < K; tier++)
      if (await runInDurableObject(delivery(ws, tier), (_obj, state) => state.getWebSockets(id).length > 0))
        holder = tier;
    await delivery(ws, holder).deliver([{ do: "replay", id, from: 0, to: lastSeq + 1 }]);
    expect((await back.waitClosed(5000)).code).toBe(1012);
    for (const sock of sockets) sock.close();
  });

  it("resumes exactly the sockets of a delivery object that restarted, and stops counting them when it starts again", async () => {
    const { owner, ws, sockets } = await ownSockets(16);
    const writer = sockets[0]!;
    const { thread } = await writer.ok("threads.create", { title: "Restart", idempotencyKey: idem() });
    await writer.ok("chat.send", { threadId: thread.id, text: "one", idempotencyKey: idem() });
    for (const sock of sockets) await sock.waitFor(() => messagesIn(sock, thread.id).length === 1);
    // A restart as its clients see it (a deploy): the object and its sockets go.
    const counts = await held(ws);
    const restarted = counts.indexOf(Math.max(...counts));
    await evictDurableObject(delivery(ws, restarted), { webSockets: "close" });
    await expect.poll(() => sockets.filter((s) => s.closed).length, { timeout: 5000 }).toBe(counts[restarted]);
    const gone = sockets.filter((s) => s.closed);
    const survivors = sockets.filter((s) => !s.closed);
    await survivors[0]!.ok("chat.send", { threadId: thread.id, text: "two", idempotencyKey: idem() });
    await survivors[0]!.ok("chat.send", { threadId: thread.id, text: "three", idempotencyKey: idem() });
    // The others were not touched.
    for (const sock of survivors) await sock.waitFor(() => messagesIn(sock, thread.id).length === 3);
    // Each comes back where it left off: what it missed once, in order.
    const back = await Promise.all(
      gone.map(async (sock) => {
        const hello = sock.events("hello")[0]!.payload as HelloPayload;
        const again = await RawSocket.open(
          ws,
          { cookie: owner.cookie },
          { lastSeq: Math.max(...seqsOf(sock)), epoch: hello.epoch },
        );
        await again.waitFor(() => messagesIn(again, thread.id).length === 2, 10_000);
        expect(messagesIn(again, thread.id)).toEqual(["two", "three"]);
        expect(seqsOf(again)[0]).toBe(Math.max(...seqsOf(sock)) + 1);
        return again;
      }),
    );
    // Presence counts the sockets there are, not those that went with the old instance.
    await expect
      .poll(async () => (await survivors[0]!.ok("presence.list", {})).presence.length, { timeout: 5000 })
      .toBe(sockets.length);
    for (const sock of [...sockets, ...back]) sock.close();
  });

  it("gives a thread's messages to the sockets viewing it and a bump to the others that chose, wherever they are held", async () => {
    const { owner, ws, sockets } = await ownSockets(1);
    const [writer] = sockets;
    const { thread: a } = await writer!.ok("threads.create", { title: "A", idempotencyKey: idem() });
    const { thread: b } = await writer!.ok("threads.create", { title: "B", idempotencyKey: idem() });
    const open = async (view: string) => {
      const sockets: RawSocket[] = [];
      for (let i = 0; i < 8; i++) sockets.push(await RawSocket.open(ws, { cookie: owner.cookie }, { view }));
      await Promise.all(sockets.map((s) => s.hello()));
      return sockets;
    };
    const onA = await open(a.id);
    const onB = await open(b.id);
    await writer!.ok("chat.send", { threadId: a.id, text: "for A", idempotencyKey: idem() });
    for (const sock of onA) await sock.waitFor(() => messagesIn(sock, a.id).length === 1);
    for (const sock of onB) {
      await sock.waitFor(
        (f) =>
          f.type === "event" &&
          (f as EventFrame).event === "thread.bump" &&
          JSON.stringify((f as EventFrame).payload).includes(a.id),
      );
      expect(messagesIn(sock, a.id)).toEqual([]);
    }
    for (const sock of [writer!, ...onA, ...onB]) sock.close();
  });

  it("speaks to each socket in its own protocol version, the previous one's and the oldest's too", async () => {
    const owner = await signUp();
    const ws = owner.workspaceId;
    const versions = [PROTOCOL_VERSION, PROTOCOL_VERSION - 1, OLDEST_PROTOCOL_VERSION];
    // Several of each, so each version is held by more than one delivery object most of the time.
    const sockets: RawSocket[] = [];
    for (const protocol of versions)
      for (let i = 0; i < 4; i++) sockets.push(await RawSocket.open(ws, { cookie: owner.cookie }, { protocol }));
    const hellos = await Promise.all(sockets.map((s) => s.hello()));
    expect(hellos.map((h) => h.protocol)).toEqual(versions.flatMap((v) => [v, v, v, v]));
    const { thread } = await sockets[0]!.ok("threads.create", { title: "Versions", idempotencyKey: idem() });
    await sockets[0]!.ok("chat.send", { threadId: thread.id, text: "to all", idempotencyKey: idem() });
    // Every frame each one gets is checked against its version's schemas (party/test/setup.ts).
    for (const sock of sockets) await sock.waitFor(() => messagesIn(sock, thread.id).length === 1);
    for (const sock of sockets) sock.close();
  });

  it("refuses through a delivery object what the room would refuse, as the room does, and counts only who got in", async () => {
    const { owner, ws, sockets } = await ownSockets(1);
    const [sock] = sockets;
    for (const protocol of [OLDEST_PROTOCOL_VERSION - 1, PROTOCOL_VERSION + 1, "x"]) {
      const refused = await RawSocket.open(ws, { cookie: owner.cookie }, { protocol });
      expect(await refused.waitClosed()).toEqual({
        code: 4008,
        reason: `protocol ${protocol} is not supported: this server speaks protocols ${OLDEST_PROTOCOL_VERSION} to ${PROTOCOL_VERSION}`,
      });
      expect(refused.frames).toEqual([]);
    }
    // What the delivery object read of the one let in reached the room: its device, its view.
    const viewer = await RawSocket.open(ws, { cookie: owner.cookie }, { device: "tablet", view: "" });
    const hello = await viewer.hello();
    expect(hello.presence?.connections).toBe(2);
    expect(hello.presence?.own).toBe(2);
    // The newest socket's device is the person's.
    expect(hello.presence?.shown.map((p) => [p.devices, p.device])).toEqual([[2, "tablet"]]);
    expect((await held(ws)).reduce((a, b) => a + b, 0)).toBe(2);
    const { thread } = await sock!.ok("threads.create", { title: "Not viewed", idempotencyKey: idem() });
    await sock!.ok("chat.send", { threadId: thread.id, text: "body", idempotencyKey: idem() });
    await viewer.waitFor((f) => f.type === "event" && (f as EventFrame).event === "thread.bump", 10_000);
    expect(messagesIn(viewer, thread.id)).toEqual([]);
    sock!.close();
    viewer.close();
  });

  it("answers an oversize or binary frame as the room does, and the socket goes on", async () => {
    const owner = await signUp();
    const [sock] = await openMany(owner.workspaceId, owner.cookie, 1);
    sock!.send(
      `{"type":"req","id":"big","method":"threads.list","params":{"pad":"${"x".repeat(MAX_CLIENT_FRAME_BYTES)}"}}`,
    );
    const refusal = (f: { type: string }) => (f as ResponseFrame).ok === false && f.type === "res";
    const big = await sock!.waitFor<ResponseFrame>(refusal);
    expect(big.ok === false && big.error.code).toBe("payload_too_large");
    sock!.send(new TextEncoder().encode('{"type":"req","id":"bin","method":"threads.list"}').buffer as ArrayBuffer);
    const binary = await sock!.waitFor<ResponseFrame>((f) => refusal(f) && f !== big);
    expect(binary.ok === false && binary.error.message).toMatch(/^binary frames/);
    await sock!.ok("threads.list", {});
    sock!.close();
  });

  it("closes a revoked key's sockets in every delivery object, and only them", async () => {
    const owner = await signUp();
    const ws = owner.workspaceId;
    const agent = await createKey(owner, ws, ["read", "write"]);
    const bots: RawSocket[] = [];
    for (let i = 0; i < 12; i++) bots.push(await RawSocket.open(ws, { key: agent.key }, { device: `bot${i}` }));
    await Promise.all(bots.map((b) => b.hello()));
    const [person] = await openMany(ws, owner.cookie, 1);
    const revoked = await api(`/api/workspaces/${ws}/keys/${agent.id}`, { method: "DELETE", cookie: owner.cookie });
    expect(revoked.status).toBeLessThan(300);
    for (const bot of bots) expect((await bot.waitClosed(5000)).code).toBe(4001);
    // The person's socket still works.
    const { thread } = await person!.ok("threads.create", { title: "Still here", idempotencyKey: idem() });
    expect(thread.title).toBe("Still here");
    person!.close();
  });

  it("has the sockets whose news the room did not take resume (1012), exactly, and the rest go on", async () => {
    const owner = await signUp();
    const ws = owner.workspaceId;
    // Until every delivery object holds a socket: each then calls the room through a stub of its own.
    const sockets: RawSocket[] = [];
    while ((await held(ws)).includes(0)) sockets.push(...(await openMany(ws, owner.cookie, 1)));
    const { thread } = await sockets[0]!.ok("threads.create", { title: "Reset", idempotencyKey: idem() });
    await sockets[0]!.ok("chat.send", { threadId: thread.id, text: "before", idempotencyKey: idem() });
    for (const sock of sockets) await sock.waitFor(() => messagesIn(sock, thread.id).length === 1);
    // The room resets (as when new code is deployed): every delivery object's stub to it breaks.
    await runInDurableObject(autopilotStub(ws), (_room, state) => state.abort("reset")).catch(() => undefined);
    // The first call a delivery object makes after it fails: the socket it told of resumes.
    const late = await RawSocket.open(ws, { cookie: owner.cookie });
    expect((await late.waitClosed()).code).toBe(1012);
    // Each request is answered, or its socket was in a call that failed and resumes.
    const outcomes = await askEach(sockets);
    expect(outcomes.every((o) => o === "answered" || o === 1012)).toBe(true);
    const [writer] = await openMany(ws, owner.cookie, 1);
    await writer!.ok("chat.send", { threadId: thread.id, text: "after", idempotencyKey: idem() });
    const back = await Promise.all(
      sockets.map(async (sock) => {
        if (!sock.closed) {
          await sock.waitFor(() => messagesIn(sock, thread.id).length === 2);
          return sock;
        }
        const hello = sock.events("hello")[0]!.payload as HelloPayload;
        const lastSeq = Math.max(...seqsOf(sock));
        const again = await RawSocket.open(ws, { cookie: owner.cookie }, { lastSeq, epoch: hello.epoch });
        expect((await again.hello()).snapshot).toBeNull();
        await again.waitFor(() => messagesIn(again, thread.id).length === 1, 10_000);
        expect(seqsOf(again)[0]).toBe(lastSeq + 1);
        return again;
      }),
    );
    for (const sock of back) expect(messagesIn(sock, thread.id).at(-1)).toBe("after");
    for (const sock of [...sockets, ...back, writer!]) sock.close();
  });

  it("resumes every socket of a delivery object whose frames did not all arrive before the room stopped", async () => {
    const { ws, sockets } = await ownSockets(12);
    const { thread } = await sockets[0]!.ok("threads.create", { title: "Lost", idempotencyKey: idem() });
    await sockets[0]!.ok("chat.send", { threadId: thread.id, text: "one", idempotencyKey: idem() });
    for (const sock of sockets) await sock.waitFor(() => messagesIn(sock, thread.id).length === 1);
    // As if the room had stopped with frames on their way: what it kept says the delivery
    // object holding the most sockets is behind the log.
    const counts = await held(ws);
    const behind = counts.indexOf(Math.max(...counts));
    const onIt = counts[behind]!;
    await runInDurableObject(autopilotStub(ws), (_room, state) => {
      state.storage.sql.exec(
        "UPDATE feature_records SET doc = '{\"seq\":0}' WHERE kind = 'tier link' AND key = ?",
        String(behind),
      );
    });
    await evictDurableObject(autopilotStub(ws));
    // Any request wakes the room: that delivery object's sockets are told to resume (1012) and their
    // requests go unanswered; every other socket is served as before.
    const outcomes = await askEach(sockets);
    expect(onIt).toBeGreaterThan(0);
    expect(outcomes.filter((o) => o === 1012).length).toBe(onIt);
    expect(outcomes.filter((o) => o === "answered").length).toBe(sockets.length - onIt);
    for (const sock of sockets) sock.close();
  });

  it("resumes a socket whose hello or replay the room could not know had arrived when it stopped", async () => {
    const { ws, sockets } = await ownSockets(6);
    const unsure = sockets[3]!;
    const { connectionId } = unsure.events("hello")[0]!.payload as HelloPayload;
    const record = () =>
      runInDurableObject(autopilotStub(ws), (_room, state) =>
        state.storage.sql
          .exec<{ doc: string }>("SELECT doc FROM feature_records WHERE kind = 'tier socket' AND key = ?", connectionId)
          .one(),
      );
    // Settled once the room heard that the batch with its hello arrived.
    await expect.poll(async () => JSON.parse((await record()).doc).settling).toBe(false);
    // As if the room had stopped before hearing so:
    const doc = JSON.parse((await record()).doc);
    await runInDurableObject(autopilotStub(ws), (_room, state) => {
      state.storage.sql.exec(
        "UPDATE feature_records SET doc = ? WHERE kind = 'tier socket' AND key = ?",
        JSON.stringify({ ...doc, settling: true }),
        connectionId,
      );
    });
    await evictDurableObject(autopilotStub(ws));
    const outcomes = await askEach(sockets);
    expect(outcomes).toEqual(sockets.map((s) => (s === unsure ? 1012 : "answered")));
    for (const sock of sockets) sock.close();
  });
});
