// The span queue in the room's storage: a pass's spans go in whatever their number (a Durable
// Object's SQLite binds at most 100 values per statement), past the bound the oldest go and are
// counted, and the counters an export writes are written together.
import { describe, expect, it } from "vitest";
import { inRoom } from "../../../../test/bridge-peer";
import { counters, enqueue, head, queued, removeUpTo, setCounters } from "./queue";
import type { SpanDoc } from "./spans";

const span = (i: number): SpanDoc => ({
  traceId: "0".repeat(32),
  spanId: i.toString(16).padStart(16, "0"),
  parentSpanId: null,
  name: `span ${i}`,
  kind: 0,
  start: i,
  end: i + 1,
  error: null,
  attributes: { "autopilot.step": i },
});

describe("the span queue", () => {
  it("takes a pass's spans past one statement's bound, in order, and drops the oldest past its own, counted", async () => {
    await inRoom(async (sql) => {
      const many = Array.from({ length: 250 }, (_, i) => span(i));
      expect(enqueue(sql, many, 1000)).toBe(0);
      expect(queued(sql)).toBe(250);
      expect(head(sql, 3).spans.map((s) => s.name)).toEqual(["span 0", "span 1", "span 2"]);

      // 250 + 100 over a bound of 300: the 50 oldest go, and the counters say so.
      const more = Array.from({ length: 100 }, (_, i) => span(250 + i));
      expect(enqueue(sql, more, 300)).toBe(50);
      expect(queued(sql)).toBe(300);
      expect(counters(sql).dropped).toBe(50);
      const { spans, upTo } = head(sql, 10);
      expect(spans[0]?.name).toBe("span 50");

      expect(removeUpTo(sql, upTo)).toBe(10);
      expect(queued(sql)).toBe(290);
      expect(removeUpTo(sql, upTo)).toBe(0);
    });
  });

  it("writes an export's counters together, and clears the ones set to null", async () => {
    await inRoom(async (sql) => {
      setCounters(sql, { exported: 7, attempts: 2, lastError: "collector said 503", lastErrorAt: 5 });
      expect(counters(sql)).toMatchObject({
        exported: 7,
        attempts: 2,
        lastError: "collector said 503",
        lastErrorAt: 5,
      });
      setCounters(sql, { exported: 9, attempts: 0, lastExportAt: 6, lastError: null });
      expect(counters(sql)).toEqual({
        exported: 9,
        dropped: 0,
        attempts: 0,
        lastError: null,
        lastErrorAt: 5,
        lastExportAt: 6,
      });
    });
  });
});
