// Pinned threads in the real room (workerd): each principal's own, kept in the room across
// devices and evictions, told to that principal's sockets only, refused for bad input, and
// the same for a socket of the previous protocol version (pins came in 11).
import { env, evictDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { MAX_PINNED_THREADS } from "../../../../../shared/protocol/pins";
import { OLDEST_PROTOCOL_VERSION } from "../../../../../shared/protocol/version";
import { addMember, createKey, type Frame, idem, RawSocket, signUp } from "../../../../test/harness";

const pinsEvents = (socket: RawSocket) =>
  socket.events("thread.pins").map((f) => (f.payload as { pins: string[] }).pins);
const rooms = (env as unknown as { Autopilot: DurableObjectNamespace }).Autopilot;

async function workspaceWithThreads(count: number) {
  const owner = await signUp();
  const ws = owner.workspaceId;
  const tab = await RawSocket.open(ws, { cookie: owner.cookie });
  await tab.hello();
  const threads: string[] = [];
  for (let i = 0; i < count; i++)
    threads.push((await tab.ok("threads.create", { title: `T${i}`, idempotencyKey: idem() })).thread.id);
  return { owner, ws, tab, threads };
}

describe("pinned threads", () => {
  it("a person's pins, newest first, on every device of theirs and nobody else's", async () => {
    const { owner, ws, tab, threads } = await workspaceWithThreads(3);
    const member = await signUp();
    expect((await addMember(owner, ws, member, "member")).status).toBe(201);
    const phone = await RawSocket.open(ws, { cookie: owner.cookie });
    const other = await RawSocket.open(ws, { cookie: member.cookie });
    await Promise.all([phone.hello(), other.hello()]);

    expect(await tab.ok("threads.pins", {})).toEqual({ pins: [] });
    expect(await tab.ok("threads.pin", { threadId: threads[0]!, pinned: true, idempotencyKey: idem() })).toEqual({
      pins: [threads[0]],
    });
    expect(await tab.ok("threads.pin", { threadId: threads[2]!, pinned: true, idempotencyKey: idem() })).toEqual({
      pins: [threads[2], threads[0]],
    });
    // The person's other device follows; the other person hears nothing and has pins of their own.
    await phone.waitFor((f) => f.type === "event" && f.event === "thread.pins" && pinsEvents(phone).length === 2);
    expect(pinsEvents(phone)).toEqual([[threads[0]], [threads[2], threads[0]]]);
    expect(await other.ok("threads.pins", {})).toEqual({ pins: [] });
    await other.ok("threads.pin", { threadId: threads[1]!, pinned: true, idempotencyKey: idem() });
    expect(await tab.ok("threads.pins", {})).toEqual({ pins: [threads[2], threads[0]] });
    expect(pinsEvents(other)).toEqual([[threads[1]]]);

    // Unpinning, and a repeat that changes nothing, on another device.
    const unpin = { threadId: threads[2]!, pinned: false, idempotencyKey: idem() };
    expect(await phone.ok("threads.pin", unpin)).toEqual({ pins: [threads[0]] });
    expect(await phone.ok("threads.pin", unpin)).toEqual({ pins: [threads[0]] });
    expect(await phone.ok("threads.pin", { ...unpin, idempotencyKey: idem() })).toEqual({ pins: [threads[0]] });

    // A new device, after the room was evicted: the pins are the room's, not a tab's.
    await evictDurableObject(rooms.get(rooms.idFromName(ws)));
    const laptop = await RawSocket.open(ws, { cookie: owner.cookie });
    await laptop.hello();
    expect(await laptop.ok("threads.pins", {})).toEqual({ pins: [threads[0]] });
    // The other person's events were never sent to the owner's sockets.
    expect(pinsEvents(tab).flat()).not.toContain(threads[1]);
    for (const s of [tab, phone, other, laptop]) s.close();
  });

  it("an agent key keeps pins of its own; a read-only key may pin too", async () => {
    const { owner, ws, tab, threads } = await workspaceWithThreads(1);
    const key = await createKey(owner, ws, ["read"]);
    const agent = await RawSocket.open(ws, { key: key.key });
    await agent.hello();
    expect(await agent.ok("threads.pin", { threadId: threads[0]!, pinned: true, idempotencyKey: idem() })).toEqual({
      pins: [threads[0]],
    });
    expect(await tab.ok("threads.pins", {})).toEqual({ pins: [] });
    for (const s of [tab, agent]) s.close();
  });

  it("refuses an unknown thread, more than the cap and bad params, changing nothing", async () => {
    const { ws, owner, tab, threads } = await workspaceWithThreads(MAX_PINNED_THREADS + 1);
    expect(await tab.call("threads.pin", { threadId: "thr_nope", pinned: true, idempotencyKey: idem() })).toMatchObject(
      {
        ok: false,
        error: { code: "not_found" },
      },
    );
    for (const threadId of threads.slice(0, MAX_PINNED_THREADS))
      await tab.ok("threads.pin", { threadId, pinned: true, idempotencyKey: idem() });
    expect(
      await tab.call("threads.pin", { threadId: threads.at(-1)!, pinned: true, idempotencyKey: idem() }),
    ).toMatchObject({ ok: false, error: { code: "conflict", details: { max: MAX_PINNED_THREADS } } });
    for (const bad of [{ threadId: threads[0] }, { threadId: threads[0], pinned: "yes" }, { pinned: true }])
      expect(await tab.call("threads.pin", { ...bad, idempotencyKey: idem() })).toMatchObject({
        ok: false,
        error: { code: "bad_request" },
      });
    const fresh = await RawSocket.open(ws, { cookie: owner.cookie });
    await fresh.hello();
    const { pins } = await fresh.ok("threads.pins", {});
    expect(pins).toHaveLength(MAX_PINNED_THREADS);
    expect(pins[0]).toBe(threads[MAX_PINNED_THREADS - 1]);
    expect(pins).not.toContain(threads.at(-1));
    for (const s of [tab, fresh]) s.close();
  });

  it("a socket of the previous protocol version (pins came in 11) pins and hears of pins as they are", async () => {
    const { owner, ws, tab, threads } = await workspaceWithThreads(1);
    const old = await RawSocket.open(ws, { cookie: owner.cookie }, { protocol: OLDEST_PROTOCOL_VERSION });
    expect((await old.hello()).protocol).toBe(OLDEST_PROTOCOL_VERSION);
    expect(await old.ok("threads.pin", { threadId: threads[0]!, pinned: true, idempotencyKey: idem() })).toEqual({
      pins: [threads[0]],
    });
    // The person's other tab hears of it, and the old socket of a pin made elsewhere.
    await tab.waitFor((f: Frame) => f.type === "event" && f.event === "thread.pins");
    await tab.ok("threads.pin", { threadId: threads[0]!, pinned: false, idempotencyKey: idem() });
    await old.waitFor(
      (f: Frame) =>
        f.type === "event" && f.event === "thread.pins" && (f.payload as { pins: string[] }).pins.length === 0,
    );
    expect((await old.ok("threads.pins", {})).pins).toEqual([]);
    for (const s of [tab, old]) s.close();
  });
});
