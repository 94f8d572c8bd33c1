// When the Autopilot pokes its Hatchery to pull (link.ts): once per burst of commits, and once
// per reply, not once for the message that asked and once for the answer. The clock is vitest's
// (the poke's timers are what is tested); the Hatchery binding is a stand-in that counts pokes.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Hatchery } from "../../../hatchery/room";
import { HATCHERY_POKE_INTERVAL_MS, HATCHERY_REPLY_WAIT_MS, HatcheryLink } from "./link";

function counted(): { link: HatcheryLink; pokes: () => number } {
  let pokes = 0;
  const namespace = {
    getByName: () => ({
      fetch: async () => {
        pokes++;
        return new Response(null, { status: 204 });
      },
    }),
  } as unknown as DurableObjectNamespace<Hatchery>;
  return { link: new HatcheryLink(namespace, () => "w"), pokes: () => pokes };
}

describe("the Hatchery's pokes", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("go once for a message and the reply it started: the poke due while the reply streams waits for its end", async () => {
    const { link, pokes } = counted();
    link.poke(); // the person's message committed
    link.streaming("r1.0"); // the reply's opening
    await vi.advanceTimersByTimeAsync(1_000);
    link.streaming("r1.0");
    expect(pokes()).toBe(0);
    link.poke(); // the reply's message committed
    link.streamEnded("r1.0");
    await vi.advanceTimersByTimeAsync(100);
    expect(pokes()).toBe(1);
    await vi.advanceTimersByTimeAsync(HATCHERY_REPLY_WAIT_MS);
    expect(pokes()).toBe(1);
  });

  it("go without waiting when nothing streams, at most one per interval", async () => {
    const { link, pokes } = counted();
    link.poke();
    await vi.advanceTimersByTimeAsync(100);
    expect(pokes()).toBe(1);
    link.poke();
    link.poke();
    await vi.advanceTimersByTimeAsync(HATCHERY_POKE_INTERVAL_MS);
    expect(pokes()).toBe(2);
  });

  it("wait for a reply at most HATCHERY_REPLY_WAIT_MS, and not for a stream not heard of for seconds", async () => {
    const { link, pokes } = counted();
    link.poke();
    link.streaming("r2.0");
    await vi.advanceTimersByTimeAsync(HATCHERY_REPLY_WAIT_MS - 1);
    expect(pokes()).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(pokes()).toBe(1);
    // r2.0 never ended (its end was lost): once quiet for seconds it holds no poke.
    await vi.advanceTimersByTimeAsync(10_000);
    link.poke();
    await vi.advanceTimersByTimeAsync(100);
    expect(pokes()).toBe(2);
  });
});
