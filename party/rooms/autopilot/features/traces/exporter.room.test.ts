// The exporter's batching (decision 92): a run's log entries heard within the batch delay make
// one pass, not one per entry, and a run that wrote more than a pass reads is passed over again
// until its log is read to its end and its root span is queued. Each pass moves a durable
// cursor: a new exporter (the room restarted) passes over the runs that wrote past it, and a
// collector set where none was starts it there.
import { describe, expect, it } from "vitest";
import { inRoom, seedThread } from "../../../../test/bridge-peer";
import { uniq } from "../../../../test/harness";
import { claimRun, queueRun } from "../agent/agent-runs";
import { appendRunLog } from "../agent/run-log";
import { TraceExporter } from "./exporter";
import { head, passedAt, queued } from "./queue";
import type { Sql } from "../../../../domain/sql";

/** A reply's run in `sql` that wrote `calls` model calls and finished, written straight to storage (no exporter hears it). */
function finishedRun(sql: Sql, threadId: string, calls: number, now: number): string {
  const runId = uniq("run");
  queueRun(
    sql,
    {
      id: runId,
      threadId,
      triggerMessageId: uniq("msg"),
      doc: {
        triggeredBy: { kind: "user", id: "user_1", name: "Ada" },
        scopes: [],
        triggerN: 1,
        messages: [],
        pending: [],
      },
    },
    now,
  );
  const entries = Array.from({ length: calls }, (_, i) => ({
    kind: "model-call" as const,
    step: i + 1,
    text: "a model call",
    details: { model: "m", durationMs: 5, inputTokens: 10, outputTokens: 2, ok: true },
  }));
  appendRunLog(sql, runId, entries, now);
  expect(claimRun(sql, runId, "queued", "finished", now)).toBe(true);
  return runId;
}

/** An exporter on `sql` whose background work waits in `pending` (spans are made, none sent). */
function exporterOn(sql: Sql, pending: (() => Promise<void>)[]): TraceExporter {
  return new TraceExporter({
    sql,
    env: { OTEL_BSP_SCHEDULE_DELAY: "0" } as never,
    workspaceId: () => "ws_exporter",
    exporting: () => true,
    target: () => null,
    options: () => ({ captureContent: false }),
    background: (work) => void pending.push(work),
    retryIn: async () => {},
    changed: () => {},
  });
}

const rootsOf = (sql: Sql, runId: string) =>
  head(sql, 10_000).spans.filter((s) => s.parentSpanId === null && s.attributes["autopilot.run.id"] === runId);

describe("the trace exporter", () => {
  it("makes a run's spans in one pass per batch delay, and passes over a long log again until its root span is queued", async () => {
    await inRoom(async (sql) => {
      const thread = seedThread(sql);
      // More model calls than one pass reads (200), all written before the delay ends.
      const calls = 250;
      const runId = finishedRun(sql, thread.id, calls, Date.now());
      // Spans are made; none is sent (no collector here): the queue shows what was made.
      const pending: (() => Promise<void>)[] = [];
      const exporter = exporterOn(sql, pending);
      // Heard once per entry (and the segment's end): one pass is scheduled for all of them.
      for (let i = 0; i < 5; i++) exporter.touched(runId);
      expect(pending).toHaveLength(1);
      expect(queued(sql)).toBe(0);

      await pending.shift()!();
      // The first pass read a page; the rest waits for the next pass, already scheduled.
      expect(queued(sql)).toBe(200);
      expect(pending).toHaveLength(1);
      await pending.shift()!();
      const { spans } = head(sql, 1000);
      expect(spans.filter((s) => s.attributes["gen_ai.operation.name"] === "chat")).toHaveLength(calls);
      const roots = spans.filter((s) => s.parentSpanId === null);
      expect(roots).toHaveLength(1);
      expect(roots[0]).toMatchObject({
        attributes: { "autopilot.run.id": runId, "autopilot.run.outcome": "finished" },
      });
      expect(new Set(spans.map((s) => s.traceId)).size).toBe(1);
      // The run's trace ended: nothing more is scheduled.
      expect(pending).toHaveLength(0);
    });
  });

  it("after a restart, passes over the runs that wrote past its cursor; a collector set anew starts the cursor there", async () => {
    await inRoom(async (sql) => {
      const thread = seedThread(sql);
      const pending: (() => Promise<void>)[] = [];
      const before = exporterOn(sql, pending);
      // A room that made spans before: its first start sets the cursor, a pass moves it.
      before.start();
      const cursor = passedAt(sql);
      expect(cursor).not.toBeNull();
      const heard = finishedRun(sql, thread.id, 1, Date.now());
      before.touched(heard);
      await pending.shift()!();
      expect(rootsOf(sql, heard)).toHaveLength(1);
      expect(passedAt(sql)!).toBeGreaterThanOrEqual(cursor!);

      // A run ends and the room goes down before the timer fires: the exporter never passed it.
      const cut = finishedRun(sql, thread.id, 3, Date.now());
      before.touched(cut);
      pending.length = 0;
      expect(rootsOf(sql, cut)).toHaveLength(0);

      // The room's next start finds it from the cursor; the run passed before is not made twice.
      const after = exporterOn(sql, pending);
      after.start();
      expect(pending).toHaveLength(1);
      await pending.shift()!();
      const [root] = rootsOf(sql, cut);
      expect(head(sql, 10_000).spans.filter((s) => s.traceId === root!.traceId)).toHaveLength(4);
      expect(rootsOf(sql, heard)).toHaveLength(1);

      // A collector set where none was: runs written before it are not passed over at a restart.
      const old = finishedRun(sql, thread.id, 1, Date.now() - 1000);
      after.exportingFrom(Date.now());
      exporterOn(sql, pending).start();
      for (const work of pending.splice(0)) await work();
      expect(rootsOf(sql, old)).toHaveLength(0);
    });
  });
});
