import { afterEach, describe, expect, it, vi } from "vitest";
import { MAX_VIEWED_THREADS } from "../../../../../shared/protocol/interest";
import { BUMP_MS, ThreadBumps, ThreadInterest } from "./interest";
import { viewed, viewOf } from "../../../shared/view-tags";

afterEach(() => {
  vi.useRealTimers();
});

describe("what a socket views", () => {
  it("is read from its connect only from protocol 18, deduplicated and bounded", () => {
    const url = (view: string) => new URL(`https://x/agents/autopilot/w?view=${view}`);
    expect(viewOf(url("a,b,a,,"), 18)).toEqual(["a", "b"]);
    expect(viewOf(url(""), 18)).toEqual([]);
    expect(viewOf(url("a"), 17)).toBeNull();
    expect(viewOf(new URL("https://x/agents/autopilot/w"), 18)).toBeNull();
    const many = Array.from({ length: MAX_VIEWED_THREADS + 3 }, (_, i) => `t${i}`);
    expect(viewed([...many, "x".repeat(65)])).toHaveLength(MAX_VIEWED_THREADS);
  });

  it("is indexed by thread, rebuilt from the sockets' state after a wake, and forgotten on close", () => {
    const sockets = [
      { id: "s1", state: { principal: { id: "p" }, view: ["a", "b"] } },
      { id: "s2", state: { principal: { id: "p" }, view: ["b"] } },
    ];
    const interest = new ThreadInterest(() => sockets as never);
    expect(interest.any()).toBe(true);
    expect([...interest.viewers("b")].sort()).toEqual(["s1", "s2"]);
    expect(interest.wants("s2", "a")).toBe(false);
    // A socket that chose nothing gets everything.
    expect(interest.wants("s3", "a")).toBe(true);
    interest.set("s2", ["a"]);
    expect([...interest.viewers("a")].sort()).toEqual(["s1", "s2"]);
    expect([...interest.viewers("b")]).toEqual(["s1"]);
    interest.left("s1");
    interest.left("s2");
    expect(interest.any()).toBe(false);
    expect([...interest.viewers("a")]).toEqual([]);
  });
});

describe("bumps", () => {
  it("gather a window's changes into one entry per thread, built when it closes, sent together, none that says what the last said", () => {
    vi.useFakeTimers();
    let count = 0;
    const windows: string[][] = [];
    const bumps = new ThreadBumps(
      (threadId) => (threadId === "gone" ? null : `${threadId}:${count}`),
      (entries) => windows.push(entries),
    );
    for (let i = 0; i < 5; i++) {
      count++;
      bumps.touched("t1");
    }
    bumps.touched("t2");
    bumps.touched("gone");
    vi.advanceTimersByTime(BUMP_MS - 1);
    expect(windows).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(windows).toEqual([["t1:5", "t2:5"]]);
    // A reply streaming on changes nothing a bump says: no window goes out.
    bumps.touched("t1");
    vi.advanceTimersByTime(BUMP_MS);
    expect(windows).toHaveLength(1);
    count++;
    bumps.touched("t1");
    bumps.touched("t2");
    vi.advanceTimersByTime(BUMP_MS);
    expect(windows.at(-1)).toEqual(["t1:6", "t2:6"]);
  });
});
