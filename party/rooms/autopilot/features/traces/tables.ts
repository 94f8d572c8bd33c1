import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import * as col from "../../../../domain/db/columns";

/**
 * The traces feature's tables, part of the Autopilot room's schema
 * (party/rooms/autopilot/schema.ts, from which drizzle-kit generates the room's migrations).
 */

/**
 * One trace per run (a reply's run or a task): its ids and how far its run log was turned
 * into spans, kept with the run so the trace goes on across restarts and approval waits.
 */
export const traceRuns = sqliteTable(
  "trace_runs",
  {
    runId: text("run_id").primaryKey(),
    /** 32 hex digits (W3C trace-context). */
    traceId: text("trace_id").notNull(),
    /** The run's root span (`invoke_agent`), 16 hex digits; exported when the run ends. */
    spanId: text("span_id").notNull(),
    startedAt: integer("started_at").notNull(),
    /** "open" while the run may still write its log; "ended" once its root span was queued. */
    status: col.status(),
    /** The last run-log entry made into spans. */
    seq: integer("seq").notNull(),
    /** The last ledger row whose credits went on a span (the ledger's ordinal `n`). */
    ledgerN: integer("ledger_n").notNull(),
    /** The step's `chat` span, parent of the tool calls it asked for. */
    chatSpanId: text("chat_span_id"),
    /** When the previous entry was written: where a span without its own duration starts. */
    lastAt: integer("last_at").notNull(),
    /** What the run's spans carried in credits so far. */
    credits: integer("credits").notNull(),
  },
  (t) => [index("trace_runs_status").on(t.status)],
);

/**
 * Finished spans waiting for the exporter, oldest first, bounded (features/traces/queue.ts):
 * past the bound the oldest are dropped and counted, so a collector that is down never
 * holds up a run nor grows the room's storage.
 */
export const traceQueue = sqliteTable("trace_queue", {
  n: col.ordinal(),
  doc: col.doc(),
});

/** The exporter's counters and last error (exported, dropped, failed attempts), by key. */
export const traceMeta = col.keyValueTable("trace_meta");
