import { describe, expect, it } from "vitest";
import { Backoff, DEFAULT_BACKOFF, fullJitterDelay, VISIBLE_CAP_MS } from "../backoff";

describe("fullJitterDelay", () => {
  it("stays within [0, min(cap, base·2^(attempt-1))]", () => {
    for (let attempt = 1; attempt <= 40; attempt++) {
      const ceiling = Math.min(DEFAULT_BACKOFF.capMs, DEFAULT_BACKOFF.baseMs * 2 ** (attempt - 1));
      expect(fullJitterDelay(attempt, DEFAULT_BACKOFF, () => 0)).toBe(0);
      expect(fullJitterDelay(attempt, DEFAULT_BACKOFF, () => 0.999999)).toBeLessThan(ceiling);
      expect(fullJitterDelay(attempt, DEFAULT_BACKOFF, () => 0.999999)).toBeGreaterThanOrEqual(
        Math.floor(ceiling * 0.99),
      );
    }
  });

  it("never exceeds the cap, even after very many attempts", () => {
    expect(fullJitterDelay(10_000, { baseMs: 250, capMs: 10_000 }, () => 0.999999)).toBeLessThan(10_000);
  });

  it("is random within the bound", () => {
    const delays = new Set(Array.from({ length: 50 }, () => fullJitterDelay(6)));
    expect(delays.size).toBeGreaterThan(10);
    for (const delay of delays) expect(delay).toBeLessThanOrEqual(8_000);
  });
});

describe("Backoff", () => {
  it("grows per attempt and starts over after reset", () => {
    const backoff = new Backoff({ baseMs: 100, capMs: 1_000 }, () => 0.999999);
    expect([backoff.next(), backoff.next(), backoff.next(), backoff.next(), backoff.next()]).toEqual([
      99, 199, 399, 799, 999,
    ]);
    expect(backoff.attempt).toBe(5);
    backoff.reset();
    expect(backoff.attempt).toBe(0);
    expect(backoff.next()).toBe(99);
  });

  it("a lower cap for one delay holds however long the outage (a visible tab), and never raises the cap", () => {
    const backoff = new Backoff(DEFAULT_BACKOFF, () => 0.999999);
    for (let i = 0; i < 40; i++) expect(backoff.next(VISIBLE_CAP_MS)).toBeLessThan(VISIBLE_CAP_MS);
    // Hidden again: the same count of failures waits up to the full cap.
    expect(backoff.next()).toBeGreaterThan(VISIBLE_CAP_MS);
    expect(backoff.next(60_000)).toBeLessThan(DEFAULT_BACKOFF.capMs);
  });
});
