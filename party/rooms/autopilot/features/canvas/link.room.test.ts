// When the Autopilot pokes its Hatchery to pull (link.ts): once per burst of commits, and once
// per reply, not once for the message that asked and once for the answer. The clock is vitest's
// (the poke's timers are what is tested); the Hatchery binding is a stand-in that counts pokes.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Hatchery } from "../../../hatchery/room";
import { CANVAS_VIEWERS_HEADER } from "../../../hatchery/room";
import {
  HATCHERY_POKE_INTERVAL_MS,
  HATCHERY_REPLY_WAIT_MS,
  HatcheryLink,
  UNWATCHED_PULL_EVERY,
  type WatchedFlag,
} from "./link";

/** `viewers`: what the stand-in answers a poke with, or a promise of it held until the test lets it go. */
function counted(
  viewers: () => number | Promise<number> = () => 1,
  flag?: WatchedFlag,
): { link: HatcheryLink; pokes: () => number } {
  let pokes = 0;
  const namespace = {
    getByName: () => ({
      fetch: async () => {
        pokes++;
        return new Response(null, { status: 204, headers: { [CANVAS_VIEWERS_HEADER]: String(await viewers()) } });
      },
    }),
  } as unknown as DurableObjectNamespace<Hatchery>;
  return { link: new HatcheryLink(namespace, () => "w", flag), pokes: () => pokes };
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

  it("stop once the Hatchery answers that nobody watches, and go again from its word that someone does", async () => {
    let viewers = 0;
    const { link, pokes } = counted(() => viewers);
    link.poke();
    await vi.advanceTimersByTimeAsync(100);
    expect(pokes()).toBe(1);
    // Nobody watches: commits are not poked, however long they keep coming.
    for (let i = 0; i < 5; i++) {
      link.poke();
      await vi.advanceTimersByTimeAsync(HATCHERY_POKE_INTERVAL_MS);
    }
    expect(pokes()).toBe(1);
    viewers = 1;
    link.watched();
    link.poke();
    await vi.advanceTimersByTimeAsync(HATCHERY_POKE_INTERVAL_MS);
    expect(pokes()).toBe(2);
  });

  it("an answer of nobody sent before the Hatchery's word that someone watches does not stop the pokes", async () => {
    let answer!: (n: number) => void;
    const { link, pokes } = counted(
      () =>
        new Promise<number>((resolve) => {
          answer = resolve;
        }),
    );
    link.poke();
    await vi.advanceTimersByTimeAsync(100);
    expect(pokes()).toBe(1);
    link.watched(); // a socket came while the poke's pull ran
    answer(0); // the answer counted the sockets before it
    await vi.advanceTimersByTimeAsync(0);
    link.poke();
    await vi.advanceTimersByTimeAsync(HATCHERY_POKE_INTERVAL_MS);
    expect(pokes()).toBe(2);
  });

  it("keep nobody's watching across the room's wakes: a new link reads it and pokes nothing until told", async () => {
    let stored: number | null = null;
    const flag: WatchedFlag = {
      read: () => stored,
      write: (since) => {
        stored = since;
      },
    };
    const before = counted(() => 0, flag);
    before.link.poke(7);
    await vi.advanceTimersByTimeAsync(100);
    expect(before.pokes()).toBe(1);
    expect(stored).toBe(7);
    // The room woke again: its link reads the flag and the unwatched Hatchery is not woken.
    const after = counted(() => 1, flag);
    after.link.poke(8);
    await vi.advanceTimersByTimeAsync(HATCHERY_POKE_INTERVAL_MS);
    expect(after.pokes()).toBe(0);
    after.link.watched();
    expect(stored).toBeNull();
    after.link.poke(9);
    await vi.advanceTimersByTimeAsync(100);
    expect(after.pokes()).toBe(1);
  });

  it("poke an unwatched canvas once UNWATCHED_PULL_EVERY events went by since its pull, so that it never falls far behind", async () => {
    const { link, pokes } = counted(() => 0);
    link.poke(10);
    await vi.advanceTimersByTimeAsync(100);
    expect(pokes()).toBe(1);
    link.poke(10 + UNWATCHED_PULL_EVERY - 1);
    await vi.advanceTimersByTimeAsync(HATCHERY_POKE_INTERVAL_MS);
    expect(pokes()).toBe(1);
    link.poke(10 + UNWATCHED_PULL_EVERY);
    await vi.advanceTimersByTimeAsync(HATCHERY_POKE_INTERVAL_MS);
    expect(pokes()).toBe(2);
    // Its answer (nobody still) counts from there.
    link.poke(10 + UNWATCHED_PULL_EVERY + 1);
    await vi.advanceTimersByTimeAsync(HATCHERY_POKE_INTERVAL_MS);
    expect(pokes()).toBe(2);
  });
});
