import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { ChatDeltaWhole } from "../../../../../../shared/protocol/gateway";
import { DeltaWindow, windowedRun } from "../delta-window";

type Delta = ChatDeltaWhole;
const delta = (runId: string, offset: number, text: string, threadId = "thr_a"): Delta => ({
  threadId,
  instanceId: null,
  runId,
  offset,
  text,
});
/** What a client makes of deltas: each one's text at its offset. */
const applied = (deltas: Delta[]) => deltas.reduce((acc, d) => acc.slice(0, d.offset) + d.text, "");

describe("the Autopilot's streamed text, one delta per window", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("sends the first piece at once, joins the window's others into one delta at their first offset, and stops when quiet", () => {
    const sent: Delta[] = [];
    const window = new DeltaWindow((d) => sent.push(d), 50);
    window.add(delta("r", 0, ""));
    window.add(delta("r", 0, "abc "));
    expect(sent).toEqual([delta("r", 0, ""), delta("r", 0, "abc ")]);
    window.add(delta("r", 4, "def "));
    window.add(delta("r", 8, "ghi "));
    expect(sent).toHaveLength(2);
    vi.advanceTimersByTime(50);
    expect(sent.at(-1)).toEqual(delta("r", 4, "def ghi "));
    // A window with nothing held ends the throttle: the next piece goes out at once.
    vi.advanceTimersByTime(50);
    expect(vi.getTimerCount()).toBe(0);
    window.add(delta("r", 12, "jkl"));
    expect(sent.at(-1)).toEqual(delta("r", 12, "jkl"));
    expect(applied(sent)).toBe("abc def ghi jkl");
  });

  it("keeps each run's text apart, sends held text before a segment that starts over, and flushes on demand", () => {
    const sent: Delta[] = [];
    const window = new DeltaWindow((d) => sent.push(d), 50);
    window.add(delta("r1", 0, "a"));
    window.add(delta("r1", 1, "b"));
    window.add(delta("r2", 0, "x", "thr_b"));
    window.add(delta("r2", 1, "y", "thr_b"));
    // r1 starts over at 0 (not where its held text ends): the held "b" goes first.
    window.add(delta("r1", 0, "A"));
    expect(sent.slice(1)).toEqual([delta("r1", 1, "b")]);
    window.flush();
    expect(sent.slice(2)).toEqual([delta("r2", 0, "xy", "thr_b"), delta("r1", 0, "A")]);
    vi.advanceTimersByTime(50);
    expect(sent).toHaveLength(4);
  });

  it("a run's other events and commits go out after the text held before them", () => {
    const out: string[] = [];
    const deps = {
      broadcast: (event: string, payload: unknown) => out.push(`${event} ${JSON.stringify(payload)}`),
      commit: (label: string) => {
        out.push(`commit ${label}`);
        return label.length;
      },
    };
    const run = windowedRun(deps as never) as unknown as {
      broadcast: (event: string, payload: unknown) => void;
      commit: (label: string) => number;
    };
    run.broadcast("chat.delta", delta("r", 0, "one "));
    run.broadcast("chat.delta", delta("r", 4, "two "));
    expect(run.commit("reply")).toBe(5);
    run.broadcast("chat.delta", delta("r", 8, "three"));
    run.broadcast("chat.final", { runId: "r" });
    expect(out.map((line) => line.split(" ")[0])).toEqual([
      "chat.delta",
      "chat.delta",
      "commit",
      "chat.delta",
      "chat.final",
    ]);
    expect(out[1]).toContain('"offset":4,"text":"two "');
    expect(out[3]).toContain('"offset":8,"text":"three"');
  });
});
