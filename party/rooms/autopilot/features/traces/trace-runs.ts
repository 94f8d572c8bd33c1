// Turns runs' logs into spans: one trace per run (a reply's run or a task), its ids kept with
// the run (`trace_runs`) so the trace goes on across restarts and approval waits. It reads
// what the run already wrote (its log, the ledger, the approvals) after the run wrote it,
// never inside the run's own steps; the spans go to the bounded queue (queue.ts).
import { and, asc, eq, gt, inArray, lt, or } from "drizzle-orm";
import type { RunLogEntry } from "../../../../../shared/protocol/tasks";
import type { Sql } from "../../../../domain/sql";
import { param, preparedPerRoom, setParam } from "../../../../domain/db/client";
import { getRun, readRunLog } from "../agent/index";
import { getApproval } from "../approvals/index";
import { ledgerTable } from "../billing/index";
import { inboxMailedTable, inboxPushedTable } from "../inbox/index";
import { projectOfThread } from "../projects/index";
import { getTask } from "../tasks/index";
import {
  approvalSpan,
  chargedCallSpan,
  chatSpan,
  errorSpan,
  rootSpan,
  type SpanDoc,
  type SpanOptions,
  spanId,
  type TraceCursor,
  toolSpan,
  traceId,
} from "./spans";
import { traceRuns } from "./tables";

type TraceRun = typeof traceRuns.$inferSelect;

/** How many log entries one pass reads of a run (the rest on the next pass). */
const ENTRIES_PER_PASS = 200;

/** A run as the traces see it: a reply's run (agent_runs) or a task; null when the room has neither. */
function runOf(sql: Sql, runId: string) {
  const task = getTask(sql, runId);
  if (task)
    return {
      kind: "task" as const,
      threadId: task.threadId,
      projectId: task.projectId,
      triggeredBy: task.startedBy,
      startedAt: task.createdAt as number | null,
      ended: ["done", "stopped", "failed", "cancelled"].includes(task.status) ? task.status : null,
    };
  const run = getRun(sql, runId);
  if (!run) return null;
  return {
    kind: "reply" as const,
    threadId: run.threadId,
    projectId: projectOfThread(sql, run.threadId)?.id ?? null,
    triggeredBy: run.doc.triggeredBy,
    startedAt: null as number | null,
    ended: ["finished", "failed", "aborted"].includes(run.status) ? run.status : null,
  };
}

/** The run's trace row, made at its first entry. */
function traceOf(sql: Sql, runId: string, startedAt: number): TraceRun {
  const found = statements(sql.db).traceRun.get({ runId });
  if (found) return found;
  const row: TraceRun = {
    runId,
    traceId: traceId(),
    spanId: spanId(),
    startedAt,
    status: "open",
    seq: 0,
    ledgerN: 0,
    chatSpanId: null,
    lastAt: startedAt,
    credits: 0,
  };
  statements(sql.db).insertTraceRun.run(row);
  return row;
}

// A pass reads these per run and per model call of it: built once per room.
const statements = preparedPerRoom((db) => ({
  ledgerAfter: db
    .select()
    .from(ledgerTable)
    .where(
      and(
        or(eq(ledgerTable.runId, param("runId")), eq(ledgerTable.taskId, param("runId"))),
        eq(ledgerTable.kind, "usage"),
        gt(ledgerTable.n, param("afterN")),
      ),
    )
    .orderBy(asc(ledgerTable.n))
    .prepare(),
  traceRun: db
    .select()
    .from(traceRuns)
    .where(eq(traceRuns.runId, param("runId")))
    .prepare(),
  insertTraceRun: db
    .insert(traceRuns)
    .values({
      runId: param("runId"),
      traceId: param("traceId"),
      spanId: param("spanId"),
      startedAt: param("startedAt"),
      status: param("status"),
      seq: param("seq"),
      ledgerN: param("ledgerN"),
      chatSpanId: param("chatSpanId"),
      lastAt: param("lastAt"),
      credits: param("credits"),
    })
    .prepare(),
  moveTraceRun: db
    .update(traceRuns)
    .set({
      seq: setParam("seq"),
      ledgerN: setParam("ledgerN"),
      credits: setParam("credits"),
      chatSpanId: setParam("chatSpanId"),
      lastAt: setParam("lastAt"),
      status: setParam("status"),
    })
    .where(eq(traceRuns.runId, param("runId")))
    .prepare(),
}));

/** The run's usage rows after `afterN`, oldest first (a task's are filed under its id as the run). */
function ledgerAfter(sql: Sql, runId: string, afterN: number) {
  return statements(sql.db).ledgerAfter.all({ runId, afterN });
}

/** Whom an approval was sent to beyond the app: the people mailed or pushed it. */
function sentTo(sql: Sql, approvalId: string): string[] {
  const key = `approval:${approvalId}`;
  const mailed = sql.db
    .select()
    .from(inboxMailedTable)
    .where(inArray(inboxMailedTable.itemKey, [key]))
    .all();
  const pushed = sql.db.select().from(inboxPushedTable).where(eq(inboxPushedTable.itemKey, key)).all();
  return [...new Set([...mailed, ...pushed].map((r) => r.principalId))].slice(0, 50);
}

/**
 * Spans for what `runId` wrote since the last pass, and its root once the run ended; the
 * trace row moves on in the same transaction as the spans are queued (the caller's). `more`:
 * the log has entries past this pass's (a pass reads at most a page), for another pass.
 */
export function traceRun(
  sql: Sql,
  runId: string,
  options: SpanOptions & { workspaceId: string; now: number },
): { spans: SpanDoc[]; more: boolean } {
  const none = { spans: [], more: false };
  const about = runOf(sql, runId);
  if (!about) {
    // The run is gone (retention took it): its trace will not grow, nor is it looked at again.
    sql.db.update(traceRuns).set({ status: "ended" }).where(eq(traceRuns.runId, runId)).run();
    return none;
  }
  const existing = statements(sql.db).traceRun.get({ runId });
  if (existing?.status === "ended") return none;
  const read = readRunLog(sql, runId, existing?.seq ?? 0, ENTRIES_PER_PASS);
  if (!existing && read.entries.length === 0 && !about.ended) return none;
  const first = read.entries[0];
  // A model call's entry is written when the call ended: the run began before it.
  const firstAt = first
    ? first.at - (typeof first.details.durationMs === "number" ? first.details.durationMs : 0)
    : options.now;
  const row = existing ?? traceOf(sql, runId, Math.min(about.startedAt ?? firstAt, firstAt));
  const cursor: TraceCursor = {
    traceId: row.traceId,
    spanId: row.spanId,
    chatSpanId: row.chatSpanId,
    lastAt: row.lastAt,
  };
  const spans: SpanDoc[] = [];
  let { ledgerN, credits } = row;
  for (const entry of read.entries) {
    const span = entrySpan(sql, cursor, entry, options, () => {
      // The ledger rows written since the last model call are this call's charge.
      const rows = ledgerAfter(sql, runId, ledgerN);
      ledgerN = rows.at(-1)?.n ?? ledgerN;
      const charged = rows.reduce((sum, r) => sum - r.amount, 0);
      credits += charged;
      return charged;
    });
    if (span) spans.push(span);
    if (span?.attributes["gen_ai.operation.name"] === "chat") cursor.chatSpanId = span.spanId;
    cursor.lastAt = Math.max(cursor.lastAt, entry.at);
  }
  const seq = read.entries.at(-1)?.seq ?? row.seq;
  const ended = about.ended !== null && read.next === null;
  if (ended) {
    // What the run was charged that its log names no call for (a title, a summary): a span each.
    for (const rest of ledgerAfter(sql, runId, ledgerN)) {
      spans.push(chargedCallSpan(cursor, rest, -rest.amount, cursor.lastAt));
      credits -= rest.amount;
      ledgerN = rest.n;
    }
    spans.push(
      rootSpan(
        row,
        {
          kind: about.kind,
          threadId: about.threadId,
          projectId: about.projectId,
          triggeredBy: about.triggeredBy,
          outcome: about.ended ?? "unknown",
          credits,
          workspaceId: options.workspaceId,
        },
        Math.max(cursor.lastAt, options.now),
      ),
    );
  }
  statements(sql.db).moveTraceRun.run({
    runId,
    seq,
    ledgerN,
    credits,
    chatSpanId: cursor.chatSpanId,
    lastAt: cursor.lastAt,
    status: ended ? "ended" : "open",
  });
  return { spans, more: read.next !== null };
}

function entrySpan(
  sql: Sql,
  cursor: TraceCursor,
  entry: RunLogEntry,
  options: SpanOptions,
  charge: () => number,
): SpanDoc | null {
  switch (entry.kind) {
    case "model-call":
      return chatSpan(cursor, entry, charge());
    case "tool-call":
      return toolSpan(cursor, entry, options);
    case "approval": {
      const id = typeof entry.details.approvalId === "string" ? entry.details.approvalId : null;
      return approvalSpan(cursor, entry, id ? getApproval(sql, id) : null, id ? sentTo(sql, id) : []);
    }
    case "error":
      return errorSpan(cursor, entry, options);
    default:
      return null;
  }
}

/** Traces of runs ended before `before` go (the run's own rows go after as long: features/agent/agent-runs.ts). */
export const forgetEndedTraces = (sql: Sql, before: number): void =>
  void sql.db
    .delete(traceRuns)
    .where(and(eq(traceRuns.status, "ended"), lt(traceRuns.lastAt, before)))
    .run();

/** Runs whose trace is still open (after a restart: each is passed over again). */
export const openTraces = (sql: Sql): string[] =>
  sql.db
    .select({ runId: traceRuns.runId })
    .from(traceRuns)
    .where(eq(traceRuns.status, "open"))
    .all()
    .map((r) => r.runId);

/** A run's trace ids, for the app and for a request that carries the trace onward. */
export const traceIdsOf = (sql: Sql, runId: string): { traceId: string; spanId: string } | null =>
  sql.db
    .select({ traceId: traceRuns.traceId, spanId: traceRuns.spanId })
    .from(traceRuns)
    .where(eq(traceRuns.runId, runId))
    .get() ?? null;
