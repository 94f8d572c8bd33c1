import { describe, expect, it } from "vitest";
import { bucketForLimits, TokenBucket } from "../src/ratelimit";

describe("TokenBucket", () => {
  it("allows a burst, then paces at the rate", () => {
    let now = 0;
    const bucket = new TokenBucket(10, 3, () => now);
    expect([bucket.take(), bucket.take(), bucket.take(), bucket.take()]).toEqual([true, true, true, false]);
    expect(bucket.msUntilNext()).toBe(100);
    now += 50;
    expect(bucket.take()).toBe(false);
    now += 50;
    expect(bucket.take()).toBe(true);
  });

  it("never stores more than the burst", () => {
    let now = 0;
    const bucket = new TokenBucket(10, 2, () => now);
    now += 60_000;
    expect([bucket.take(), bucket.take(), bucket.take()]).toEqual([true, true, false]);
  });

  it("stays below the room's limits", () => {
    let now = 0;
    const bucket = bucketForLimits({ requestsPerSecond: 50, burst: 100 }, () => now);
    let sent = 0;
    while (bucket.take()) sent++;
    expect(sent).toBe(80);
    now += 1000;
    while (bucket.take()) sent++;
    expect(sent).toBe(80 + 45);
  });
});
