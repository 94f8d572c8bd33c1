import { describe, expect, it } from "vitest";
import { REFUSALS_BEFORE_CLOSE, RequestMeter } from "./rate-limit";

const limits = {
  connection: { perSecond: 10, burst: 5 },
  principal: { perSecond: 10, burst: 8 },
  workspace: { perSecond: 10, burst: 12 },
};

const takeMany = (meter: RequestMeter, n: number, connection: string, principal: string, now = 0) =>
  Array.from({ length: n }, () => meter.take(connection, principal, now));

describe("the room's request meter", () => {
  it("limits a socket by its own bucket", () => {
    const meter = new RequestMeter(() => limits);
    const results = takeMany(meter, 6, "c1", "p1");
    expect(results.slice(0, 5).every((r) => r.ok)).toBe(true);
    expect(results[5]).toMatchObject({ ok: false, limit: "connection", close: false });
    // 100 ms at 10/s is one token back.
    expect(meter.take("c1", "p1", 100).ok).toBe(true);
  });

  it("takes a batch's cost all at once or not at all", () => {
    const meter = new RequestMeter(() => limits);
    expect(meter.take("c1", "p1", 0, 3).ok).toBe(true);
    // Two tokens left: a batch of three is refused whole, and takes none of them.
    const refused = meter.take("c1", "p1", 0, 3);
    expect(refused).toMatchObject({ ok: false, limit: "connection" });
    expect(!refused.ok && refused.retryAfterMs).toBe(100);
    expect(meter.take("c1", "p1", 0, 2).ok).toBe(true);
    expect(meter.take("c1", "p1", 0).ok).toBe(false);
  });

  it("limits a principal across its sockets, and no other principal", () => {
    const meter = new RequestMeter(() => limits);
    expect(takeMany(meter, 4, "c1", "p1").every((r) => r.ok)).toBe(true);
    expect(takeMany(meter, 4, "c2", "p1").every((r) => r.ok)).toBe(true);
    // Each socket has a token left; the principal has none.
    expect(meter.take("c3", "p1", 0)).toMatchObject({ ok: false, limit: "principal" });
    expect(meter.take("c4", "p2", 0).ok).toBe(true);
  });

  it("limits the workspace as a whole, and a busy workspace never closes anyone's socket", () => {
    const meter = new RequestMeter(() => limits);
    for (let p = 0; p < 3; p++) takeMany(meter, 4, `c${p}`, `p${p}`);
    const refused = takeMany(meter, REFUSALS_BEFORE_CLOSE + 10, "calm", "p9");
    expect(refused.every((r) => !r.ok && r.limit === "workspace" && !r.close)).toBe(true);
  });

  it("closes a flooding socket after enough refusals, and forgives one that calmed down until its buckets refilled", () => {
    const meter = new RequestMeter(() => limits);
    const flood = takeMany(meter, 5 + REFUSALS_BEFORE_CLOSE + 1, "c1", "p1");
    expect(flood.at(-2)).toMatchObject({ ok: false, close: false });
    expect(flood.at(-1)).toMatchObject({ ok: false, close: true });
    const calmer = new RequestMeter(() => limits);
    takeMany(calmer, 5 + REFUSALS_BEFORE_CLOSE, "c1", "p1");
    // A second later every bucket is full again: the refusals are forgiven.
    expect(takeMany(calmer, 5 + REFUSALS_BEFORE_CLOSE, "c1", "p1", 1000).some((r) => !r.ok && r.close)).toBe(false);
  });

  it("says how long to wait for the emptiest bucket it needs", () => {
    const meter = new RequestMeter(() => ({ ...limits, principal: { perSecond: 1, burst: 2 } }));
    takeMany(meter, 2, "c1", "p1");
    expect(meter.take("c1", "p1", 0)).toMatchObject({ ok: false, limit: "principal", retryAfterMs: 1000 });
  });
});
