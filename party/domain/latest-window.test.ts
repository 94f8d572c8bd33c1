import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { latestWindow } from "./latest-window";

describe("a state sent at most once per window", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("sends the first value at once, only the window's last at its end, and the next after a quiet window at once", () => {
    const sent: number[] = [];
    const tell = latestWindow((v: number) => sent.push(v), 1000);
    tell(1);
    expect(sent).toEqual([1]);
    tell(2);
    tell(3);
    expect(sent).toEqual([1]);
    vi.advanceTimersByTime(999);
    expect(sent).toEqual([1]);
    vi.advanceTimersByTime(1);
    expect(sent).toEqual([1, 3]);
    // A window with nothing new sends nothing and ends: the next value goes at once.
    vi.advanceTimersByTime(1000);
    expect(vi.getTimerCount()).toBe(0);
    tell(4);
    expect(sent).toEqual([1, 3, 4]);
    tell(5);
    vi.advanceTimersByTime(1000);
    expect(sent).toEqual([1, 3, 4, 5]);
  });
});
