import { describe, expect, it, vi } from "vitest";
import { deadline, within } from "./deadline";

describe("deadline", () => {
  it("aborts with a TimeoutError when the time is up, and leaves no timer once cleared", () => {
    vi.useFakeTimers();
    try {
      const late = deadline(1000, "Export timeout");
      vi.advanceTimersByTime(1000);
      expect(late.signal.aborted).toBe(true);
      expect((late.signal.reason as DOMException).name).toBe("TimeoutError");
      expect((late.signal.reason as DOMException).message).toBe("Export timeout of 1000ms exceeded");

      const done = deadline(1000);
      done.clear();
      // What an eviction waits on: no timer of a finished call is left pending.
      expect(vi.getTimerCount()).toBe(0);
      vi.advanceTimersByTime(5000);
      expect(done.signal.aborted).toBe(false);
    } finally {
      vi.useRealTimers();
    }
  });

  it("within: the timer goes when the work settles, whether it answered or threw", async () => {
    vi.useFakeTimers();
    try {
      await expect(within(1000, async () => "answered")).resolves.toBe("answered");
      expect(vi.getTimerCount()).toBe(0);
      await expect(
        within(1000, async () => {
          throw new Error("refused");
        }),
      ).rejects.toThrow("refused");
      expect(vi.getTimerCount()).toBe(0);
      // A call still running when the time is up sees its signal aborted.
      const seen = within(
        1000,
        (signal) =>
          new Promise<string>((resolve) => signal.addEventListener("abort", () => resolve(signal.reason.name))),
      );
      vi.advanceTimersByTime(1000);
      await expect(seen).resolves.toBe("TimeoutError");
    } finally {
      vi.useRealTimers();
    }
  });
});
