import { describe, expect, it } from "vitest";
import { Meter, type MeterShape } from "./meter";

type Scope = "socket" | "person" | "kind" | "room";

// A socket's frames, its person's over all their sockets, one kind of frame per socket, and the room's together.
const shape: MeterShape<Scope> = {
  scopes: ["socket", "person", "kind", "room"],
  shared: ["room"],
  requester: "socket",
  refusalsBeforeClose: 3,
};
const rates = {
  socket: { perSecond: 10, burst: 4 },
  person: { perSecond: 5, burst: 6 },
  kind: { perSecond: 1, burst: 2 },
  room: { perSecond: 10, burst: 10 },
};
const meter = (over: Partial<MeterShape<Scope>> = {}) => new Meter({ ...shape, ...over }, () => rates);
const frame = (socket: string, person = "p1") => ({ socket, person });
const takeMany = (m: Meter<Scope>, n: number, keys: ReturnType<typeof frame>, now = 0) =>
  Array.from({ length: n }, () => m.take(keys, now));

describe("the one meter", () => {
  it("lets a burst through at once, then refuses, naming the scope and the wait", () => {
    const m = meter();
    const taken = takeMany(m, 5, frame("s1"));
    expect(taken.slice(0, 4).every((t) => t.ok)).toBe(true);
    // Empty at 10 a second: one token is 100 ms away.
    expect(taken[4]).toEqual({ ok: false, limit: "socket", retryAfterMs: 100, close: false });
  });

  it("refills at its rate up to the burst, never beyond", () => {
    const m = meter();
    takeMany(m, 4, frame("s1"));
    expect(m.take(frame("s1"), 99).ok).toBe(false);
    expect(m.take(frame("s1"), 100).ok).toBe(true);
    // A minute idle holds the burst and no more.
    const later = takeMany(m, 5, frame("s1"), 60_000);
    expect(later.map((t) => t.ok)).toEqual([true, true, true, true, false]);
  });

  it("keeps each key's bucket apart, and a person's across their sockets", () => {
    const m = meter();
    expect(takeMany(m, 4, frame("s1")).every((t) => t.ok)).toBe(true);
    expect(m.take(frame("s1"), 0)).toMatchObject({ ok: false, limit: "socket" });
    // Another socket of the same person has its own bucket, but the person's holds two more.
    expect(takeMany(m, 2, frame("s2")).every((t) => t.ok)).toBe(true);
    expect(m.take(frame("s2"), 0)).toMatchObject({ ok: false, limit: "person" });
    // Someone else is untouched.
    expect(m.take(frame("s3", "p2"), 0).ok).toBe(true);
    // Both of s1's are empty: the socket's is named (the first), the wait is the person's (the longer).
    expect(m.take(frame("s1"), 0)).toMatchObject({ ok: false, limit: "socket", retryAfterMs: 200 });
  });

  it("a kind of request pays only the scopes it names", () => {
    const m = meter();
    const kind = { pay: ["kind", "room"] as const };
    const keys = { socket: "s1", kind: "s1" };
    expect([m.take(keys, 0, kind).ok, m.take(keys, 0, kind).ok]).toEqual([true, true]);
    expect(m.take(keys, 0, kind)).toMatchObject({ ok: false, limit: "kind", retryAfterMs: 1000 });
    // The socket's own bucket was not paid by those: it still holds its burst.
    expect(takeMany(m, 4, frame("s1")).every((t) => t.ok)).toBe(true);
  });

  it("takes a cost from every bucket, all or none, and waits for the emptiest", () => {
    const m = meter();
    expect(m.take(frame("s1"), 0, { cost: 3 }).ok).toBe(true);
    expect(m.take(frame("s1"), 0, { cost: 2 })).toMatchObject({ ok: false, limit: "socket", retryAfterMs: 100 });
    expect(m.take(frame("s1"), 0).ok).toBe(true);
    expect(() => m.take(frame("s1"), 0, { cost: 0 })).toThrow(RangeError);
  });

  it("says close after N refusals of a requester's own buckets, and forgives once they are full again", () => {
    const m = meter();
    takeMany(m, 4, frame("s1"));
    const refused = takeMany(m, 4, frame("s1"));
    expect(refused.map((t) => !t.ok && t.close)).toEqual([false, false, false, true]);
    // Nothing has refilled: the flood is still not forgiven.
    expect(m.take(frame("s1"), 0)).toMatchObject({ ok: false, close: true });
    // A second later every own bucket is full: the count starts again.
    takeMany(m, 4, frame("s1"), 1000);
    expect(takeMany(m, 3, frame("s1"), 1000).some((t) => !t.ok && t.close)).toBe(false);
  });

  it("never counts a busy shared bucket against a requester, and refills it too", () => {
    const m = meter();
    // The calm socket's own buckets are not full, so nothing would forgive a count.
    expect(takeMany(m, 2, frame("calm", "p9")).every((t) => t.ok)).toBe(true);
    for (let s = 0; s < 4; s++) takeMany(m, 2, frame(`s${s}`, `p${s}`));
    const refused = takeMany(m, 10, frame("calm", "p9"));
    expect(refused.every((t) => !t.ok && t.limit === "room" && !t.close)).toBe(true);
    expect(m.take(frame("calm", "p9"), 100).ok).toBe(true);
  });

  it("hangs up at the first refusal when the shape allows none", () => {
    const m = meter({ refusalsBeforeClose: 0 });
    takeMany(m, 4, frame("s1"));
    expect(m.take(frame("s1"), 0)).toMatchObject({ ok: false, close: true });
  });

  it("forgets a requester that left: its next socket of the same id starts full with no refusals", () => {
    const m = meter();
    takeMany(m, 7, frame("s1"));
    m.forget({ socket: "s1" }, 0);
    // The person's bucket stays as it was (it is theirs, not the socket's): two tokens left.
    const again = takeMany(m, 3, frame("s1"));
    expect(again.map((t) => t.ok)).toEqual([true, true, false]);
    expect(again.at(-1)).toMatchObject({ limit: "person", close: false });
  });
});
