import { describe, expect, it } from "vitest";
import { commonScopes, limitNotice, TURNS_PER_MINUTE, turnLimit } from "../turn-limits";

describe("the per-thread turn cap", () => {
  const now = 1_000_000;
  it("lets turns through below the cap, counting only the last minute", () => {
    const old = Array.from({ length: 20 }, (_, i) => now - 120_000 + i);
    const recent = Array.from({ length: TURNS_PER_MINUTE - 1 }, (_, i) => now - 1000 * i);
    expect(turnLimit([...old, ...recent], now)).toBeNull();
  });

  it("at the cap, says when the oldest turn of the window leaves it", () => {
    const turns = Array.from({ length: TURNS_PER_MINUTE }, (_, i) => now - 50_000 + i * 1000);
    expect(turnLimit(turns, now)).toEqual({ retryInMs: 10_000 });
    // More turns than the cap (an older room, a folded burst): the one that makes room decides.
    expect(turnLimit([now - 59_000, ...turns], now)).toEqual({ retryInMs: 10_000 });
    expect(turnLimit(turns, now, TURNS_PER_MINUTE + 1)).toBeNull();
  });

  it("tells the thread the cap and when to write again, in whole seconds", () => {
    expect(limitNotice(9_001)).toBe(
      `The Autopilot answers at most ${TURNS_PER_MINUTE} times a minute in one thread, so it did not answer that. Write again in 10 s.`,
    );
  });

  it("a folded turn keeps only the scopes every poster holds", () => {
    expect(commonScopes(["read", "write"], ["write"])).toEqual(["write"]);
    expect(commonScopes(["write"], ["read", "write"])).toEqual(["write"]);
  });
});
