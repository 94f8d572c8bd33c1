import { type AgentRunDoc, agentRunRecord } from "../../../../records/agent-run";
import { readable } from "../../../../records/codec";
import { and, asc, desc, eq, gt, gte, inArray, isNotNull, lt, type SQL } from "drizzle-orm";
import { excluded, hasRow, param, preparedPerRoom, setParam } from "../../../../domain/db/client";
import { agentGatewayInvokesTable as agentGatewayInvokes } from "../instances/index";
import { agentRunApprovals, agentRuns, agentToolCalls, type RunStatus } from "./tables";
import { messagesTable as messages } from "../threads/index";
import type { Sql } from "../../../../domain/sql";

// The Autopilot's runs: one per triggering message (a replayed `chat.send` starts nothing
// new: coversMessage), at most one active per thread; a queued run's trigger moves to the
// newest post it will answer. A paused run keeps its
// model messages here until a person decides, so it survives eviction and restarts.

export type { RunStatus };

export interface AgentRun {
  id: string;
  threadId: string;
  triggerMessageId: string;
  status: RunStatus;
  /** How many segments (pauses for approval) came before the current one. */
  segment: number;
  doc: AgentRunDoc;
}

/** Finished runs (and their tool-call ledger) are deleted after this. */
export const RUN_RETENTION_MS = 7 * 24 * 3_600_000;

const RUN_COLUMNS = {
  id: agentRuns.id,
  threadId: agentRuns.threadId,
  triggerMessageId: agentRuns.triggerMessageId,
  status: agentRuns.status,
  segment: agentRuns.segment,
  doc: agentRuns.doc,
};
type Row = { id: string; threadId: string; triggerMessageId: string; status: RunStatus; segment: number; doc: string };
const toRun = (r: Row): AgentRun => ({ ...r, doc: agentRunRecord.decode(r.doc) });
const oneRun = (row: Row | undefined): AgentRun | null => (row ? (readable([row], toRun)[0] ?? null) : null);
const selectRuns = (sql: Sql, where: SQL | undefined) => sql.db.select(RUN_COLUMNS).from(agentRuns).where(where);

// Every post to a thread the Autopilot answers asks these (turn intake): prepared once per room.
const intake = preparedPerRoom((db) => ({
  covers: db
    .select({ id: agentRuns.id })
    .from(agentRuns)
    .innerJoin(messages, eq(messages.id, agentRuns.triggerMessageId))
    .where(and(eq(agentRuns.threadId, param("threadId")), gte(messages.n, param("n"))))
    .limit(1)
    .prepare(),
  turns: db
    .select({ createdAt: agentRuns.createdAt })
    .from(agentRuns)
    .where(and(eq(agentRuns.threadId, param("threadId")), gt(agentRuns.createdAt, param("since"))))
    .orderBy(asc(agentRuns.createdAt))
    .prepare(),
  // A reply reads its run by id and its thread's active run several times (its start, its end,
  // the next run's pump, its trace): built once, not per read.
  byId: db
    .select(RUN_COLUMNS)
    .from(agentRuns)
    .where(eq(agentRuns.id, param("id")))
    .prepare(),
  active: db
    .select(RUN_COLUMNS)
    .from(agentRuns)
    .where(
      and(eq(agentRuns.threadId, param("threadId")), inArray(agentRuns.status, ["streaming", "awaiting_approval"])),
    )
    .prepare(),
  nextQueued: db
    .select(RUN_COLUMNS)
    .from(agentRuns)
    .where(and(eq(agentRuns.threadId, param("threadId")), eq(agentRuns.status, "queued")))
    .orderBy(asc(agentRuns.createdAt))
    .limit(1)
    .prepare(),
}));

// Every reply queues its run, claims it and saves it at its end: prepared once per room.
const writes = preparedPerRoom((db) => ({
  queue: db
    .insert(agentRuns)
    .values({
      id: param("id"),
      threadId: param("threadId"),
      triggerMessageId: param("triggerMessageId"),
      status: "queued",
      segment: 0,
      createdAt: param("now"),
      updatedAt: param("now"),
      doc: param("doc"),
    })
    .onConflictDoNothing({ target: agentRuns.triggerMessageId })
    .returning({ id: agentRuns.id })
    .prepare(),
  claim: db
    .update(agentRuns)
    .set({ status: setParam("to"), updatedAt: setParam("now") })
    .where(and(eq(agentRuns.id, param("id")), eq(agentRuns.status, param("from"))))
    .returning({ id: agentRuns.id })
    .prepare(),
  save: db
    .update(agentRuns)
    .set({
      status: setParam("status"),
      segment: setParam("segment"),
      doc: setParam("doc"),
      updatedAt: setParam("now"),
    })
    .where(eq(agentRuns.id, param("id")))
    .prepare(),
}));

/** Queues a run for a message; false when the message already has one. */
export function queueRun(
  sql: Sql,
  run: { id: string; threadId: string; triggerMessageId: string; doc: AgentRunDoc },
  now: number,
): boolean {
  const inserted = writes(sql.db).queue.all({
    id: run.id,
    threadId: run.threadId,
    triggerMessageId: run.triggerMessageId,
    now,
    doc: agentRunRecord.encode(run.doc),
  });
  return inserted.length > 0;
}

/**
 * Whether a run already answers (or answered) message `n` of the thread: every run sees
 * the thread up to its trigger, so a message at or before a run's trigger is covered.
 * A replayed `chat.send`, or a post folded into a follow-up turn, starts nothing new.
 */
export function coversMessage(sql: Sql, threadId: string, n: number): boolean {
  return intake(sql.db).covers.get({ threadId, n }) !== undefined;
}

/** Moves a queued run's trigger to a later message (its context then ends there). */
export function retriggerQueued(
  sql: Sql,
  run: AgentRun,
  message: { id: string; n: number },
  doc: AgentRunDoc,
  now: number,
): boolean {
  const moved = sql.db
    .update(agentRuns)
    .set({ triggerMessageId: message.id, doc: agentRunRecord.encode({ ...doc, triggerN: message.n }), updatedAt: now })
    .where(and(eq(agentRuns.id, run.id), eq(agentRuns.status, "queued")))
    .returning({ id: agentRuns.id })
    .all();
  return moved.length > 0;
}

/** When the thread's runs since `since` were queued, oldest first (the per-thread turn cap). */
export function turnsSince(sql: Sql, threadId: string, since: number): number[] {
  return intake(sql.db)
    .turns.all({ threadId, since })
    .map((r) => r.createdAt);
}

export function getRun(sql: Sql, id: string): AgentRun | null {
  return oneRun(intake(sql.db).byId.get({ id }));
}

export function runsWithStatus(sql: Sql, status: RunStatus): AgentRun[] {
  return readable(selectRuns(sql, eq(agentRuns.status, status)).orderBy(asc(agentRuns.createdAt)).all(), toRun);
}

/** The thread's run that streams or waits for a person, if any. */
export function activeRun(sql: Sql, threadId: string): AgentRun | null {
  return oneRun(intake(sql.db).active.get({ threadId }));
}

export function nextQueued(sql: Sql, threadId: string): AgentRun | null {
  return oneRun(intake(sql.db).nextQueued.get({ threadId }));
}

/**
 * Moves a run from `from` to `to`; false when it was not there (someone else claimed it
 * first). A second active run in a thread is refused by the unique index.
 */
export function claimRun(sql: Sql, id: string, from: RunStatus, to: RunStatus, now: number): boolean {
  try {
    return writes(sql.db).claim.all({ id, from, to, now }).length > 0;
  } catch {
    return false;
  }
}

export function saveRun(sql: Sql, run: Pick<AgentRun, "id" | "status" | "segment" | "doc">, now: number): void {
  writes(sql.db).save.run({
    id: run.id,
    status: run.status,
    segment: run.segment,
    doc: agentRunRecord.encode(run.doc),
    now,
  });
}

/** Ends a run; its model messages are no longer needed. */
export function endRun(sql: Sql, id: string, status: "finished" | "failed" | "aborted", now: number): void {
  const run = getRun(sql, id);
  if (!run) return;
  saveRun(sql, { ...run, status, doc: { ...run.doc, messages: [], pending: run.doc.pending } }, now);
}

export function recordToolCall(
  sql: Sql,
  call: { runId: string; toolCallId: string; name: string; status: string; messageId: string | null },
  now: number,
): void {
  sql.db
    .insert(agentToolCalls)
    .values({
      runId: call.runId,
      toolCallId: call.toolCallId,
      name: call.name,
      status: call.status,
      messageId: call.messageId,
      at: now,
    })
    .onConflictDoUpdate({
      target: [agentToolCalls.runId, agentToolCalls.toolCallId],
      set: { status: excluded("status"), messageId: excluded("message_id"), at: excluded("at") },
    })
    .run();
}

/** A run that will not resume (what retention may forget). */
export const FINISHED_RUN = inArray(agentRuns.status, ["finished", "failed", "aborted"]);

/** Whether the call's tool message is already in the thread (a run resumed twice replays the call). */
export function toolCallPosted(sql: Sql, runId: string, toolCallId: string): boolean {
  return hasRow(
    sql.db,
    agentToolCalls,
    and(
      eq(agentToolCalls.runId, runId),
      eq(agentToolCalls.toolCallId, toolCallId),
      isNotNull(agentToolCalls.messageId),
    ),
  );
}

/** An approval the run filed through an approval-method tool: the room acts on it for the run's trigger. */
export function recordFiledApproval(sql: Sql, runId: string, approvalId: string): void {
  sql.db
    .insert(agentRunApprovals)
    .values({ approvalId, runId })
    .onConflictDoNothing({ target: agentRunApprovals.approvalId })
    .run();
}

export function filedApprovals(sql: Sql, runId: string): string[] {
  return sql.db
    .select({ approvalId: agentRunApprovals.approvalId })
    .from(agentRunApprovals)
    .where(eq(agentRunApprovals.runId, runId))
    .all()
    .map((r) => r.approvalId);
}

/** The run that filed an approval, if a run did. */
export function runOfFiledApproval(sql: Sql, approvalId: string): AgentRun | null {
  const row = sql.db
    .select(RUN_COLUMNS)
    .from(agentRuns)
    .innerJoin(agentRunApprovals, eq(agentRunApprovals.runId, agentRuns.id))
    .where(eq(agentRunApprovals.approvalId, approvalId))
    .get();
  return oneRun(row);
}

export function forgetOldRuns(sql: Sql, now: number): void {
  const old = sql.db
    .select({ id: agentRuns.id })
    .from(agentRuns)
    .where(and(FINISHED_RUN, lt(agentRuns.updatedAt, now - RUN_RETENTION_MS)));
  sql.db.delete(agentRunApprovals).where(inArray(agentRunApprovals.runId, old)).run();
  sql.db.delete(agentToolCalls).where(inArray(agentToolCalls.runId, old)).run();
  sql.db.delete(agentGatewayInvokes).where(inArray(agentGatewayInvokes.runId, old)).run();
  sql.db.delete(agentRuns).where(inArray(agentRuns.id, old)).run();
}

/** Runs queued since `since`, newest first, at most `limit`, with when they were queued and last changed (the Runs view). */
export function runsStartedSince(
  sql: Sql,
  since: number,
  limit: number,
): (AgentRun & { createdAt: number; updatedAt: number })[] {
  const rows = sql.db
    .select({ ...RUN_COLUMNS, createdAt: agentRuns.createdAt, updatedAt: agentRuns.updatedAt })
    .from(agentRuns)
    .where(gte(agentRuns.createdAt, since))
    .orderBy(desc(agentRuns.createdAt))
    .limit(limit)
    .all();
  return readable(rows, (r) => ({ ...toRun(r), createdAt: r.createdAt, updatedAt: r.updatedAt }));
}
