import { type AgentRunDoc, agentRunRecord } from "../records/agent-run";
import { readable } from "../records/codec";
import type { Sql } from "./sql";

// The Autopilot's runs: one per triggering message (a replayed `chat.send` starts nothing
// new: coversMessage), at most one active per thread; a queued run's trigger moves to the
// newest post it will answer. A paused run keeps its
// model messages here until a person decides, so it survives eviction and restarts.

export type RunStatus = "queued" | "streaming" | "awaiting_approval" | "finished" | "failed" | "aborted";

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

type Row = { id: string; thread_id: string; trigger_message_id: string; status: RunStatus; segment: number; doc: string };
const toRun = (r: Row): AgentRun => ({ id: r.id, threadId: r.thread_id, triggerMessageId: r.trigger_message_id, status: r.status, segment: r.segment, doc: agentRunRecord.decode(r.doc) });

/** Queues a run for a message; false when the message already has one. */
export function queueRun(sql: Sql, run: { id: string; threadId: string; triggerMessageId: string; doc: AgentRunDoc }, now: number): boolean {
  return (
    sql.run(
      `insert into agent_runs (id, thread_id, trigger_message_id, status, segment, created_at, updated_at, doc) values (?, ?, ?, 'queued', 0, ?, ?, ?) on conflict (trigger_message_id) do nothing`,
      run.id,
      run.threadId,
      run.triggerMessageId,
      now,
      now,
      agentRunRecord.encode(run.doc),
    ) > 0
  );
}

/**
 * Whether a run already answers (or answered) message `n` of the thread: every run sees
 * the thread up to its trigger, so a message at or before a run's trigger is covered.
 * A replayed `chat.send`, or a post folded into a follow-up turn, starts nothing new.
 */
export function coversMessage(sql: Sql, threadId: string, n: number): boolean {
  return sql.one(`select 1 as hit from agent_runs r join messages m on m.id = r.trigger_message_id where r.thread_id = ? and m.n >= ? limit 1`, threadId, n) !== null;
}

/** Moves a queued run's trigger to a later message (its context then ends there). */
export function retriggerQueued(sql: Sql, run: AgentRun, message: { id: string; n: number }, doc: AgentRunDoc, now: number): boolean {
  return (
    sql.run(
      `update agent_runs set trigger_message_id = ?, doc = ?, updated_at = ? where id = ? and status = 'queued'`,
      message.id,
      agentRunRecord.encode({ ...doc, triggerN: message.n }),
      now,
      run.id,
    ) > 0
  );
}

/** When the thread's runs since `since` were queued, oldest first (the per-thread turn cap). */
export function turnsSince(sql: Sql, threadId: string, since: number): number[] {
  return sql.all<{ created_at: number }>(`select created_at from agent_runs where thread_id = ? and created_at > ? order by created_at`, threadId, since).map((r) => r.created_at);
}

export function getRun(sql: Sql, id: string): AgentRun | null {
  const row = sql.one<Row>(`select * from agent_runs where id = ?`, id);
  return row ? (readable([row], toRun)[0] ?? null) : null;
}

export function runsWithStatus(sql: Sql, status: RunStatus): AgentRun[] {
  return readable(sql.all<Row>(`select * from agent_runs where status = ? order by created_at`, status), toRun);
}

/** The thread's run that streams or waits for a person, if any. */
export function activeRun(sql: Sql, threadId: string): AgentRun | null {
  const row = sql.one<Row>(`select * from agent_runs where thread_id = ? and status in ('streaming', 'awaiting_approval')`, threadId);
  return row ? (readable([row], toRun)[0] ?? null) : null;
}

export function nextQueued(sql: Sql, threadId: string): AgentRun | null {
  const row = sql.one<Row>(`select * from agent_runs where thread_id = ? and status = 'queued' order by created_at limit 1`, threadId);
  return row ? (readable([row], toRun)[0] ?? null) : null;
}

/**
 * Moves a run from one of `from` to `to`; false when it was not in one of them (someone
 * else claimed it first). A second active run in a thread is refused by the unique index.
 */
export function claimRun(sql: Sql, id: string, from: readonly RunStatus[], to: RunStatus, now: number): boolean {
  try {
    return sql.run(`update agent_runs set status = ?, updated_at = ? where id = ? and status in (${from.map(() => "?").join(", ")})`, to, now, id, ...from) > 0;
  } catch {
    return false;
  }
}

export function saveRun(sql: Sql, run: Pick<AgentRun, "id" | "status" | "segment" | "doc">, now: number): void {
  sql.run(`update agent_runs set status = ?, segment = ?, doc = ?, updated_at = ? where id = ?`, run.status, run.segment, agentRunRecord.encode(run.doc), now, run.id);
}

/** Ends a run; its model messages are no longer needed. */
export function endRun(sql: Sql, id: string, status: "finished" | "failed" | "aborted", now: number): void {
  const run = getRun(sql, id);
  if (!run) return;
  saveRun(sql, { ...run, status, doc: { ...run.doc, messages: [], pending: run.doc.pending } }, now);
}

export function recordToolCall(sql: Sql, call: { runId: string; toolCallId: string; name: string; status: string; messageId: string | null }, now: number): void {
  sql.run(
    `insert into agent_tool_calls (run_id, tool_call_id, name, status, message_id, at) values (?, ?, ?, ?, ?, ?)
     on conflict (run_id, tool_call_id) do update set status = excluded.status, message_id = excluded.message_id, at = excluded.at`,
    call.runId,
    call.toolCallId,
    call.name,
    call.status,
    call.messageId,
    now,
  );
}

/** SQL: a run that will not resume (what retention may forget). */
export const FINISHED_RUN = "status in ('finished', 'failed', 'aborted')";

/** Whether the call's tool message is already in the thread (a run resumed twice replays the call). */
export function toolCallPosted(sql: Sql, runId: string, toolCallId: string): boolean {
  return sql.one(`select 1 as hit from agent_tool_calls where run_id = ? and tool_call_id = ? and message_id is not null`, runId, toolCallId) !== null;
}

/** An approval the run filed through an approval-method tool: the room acts on it for the run's trigger. */
export function recordFiledApproval(sql: Sql, runId: string, approvalId: string): void {
  sql.run(`insert into agent_run_approvals (approval_id, run_id) values (?, ?) on conflict (approval_id) do nothing`, approvalId, runId);
}

export function filedApprovals(sql: Sql, runId: string): string[] {
  return sql.all<{ approval_id: string }>(`select approval_id from agent_run_approvals where run_id = ?`, runId).map((r) => r.approval_id);
}

/** The run that filed an approval, if a run did. */
export function runOfFiledApproval(sql: Sql, approvalId: string): AgentRun | null {
  const row = sql.one<Row>(`select r.* from agent_runs r join agent_run_approvals a on a.run_id = r.id where a.approval_id = ?`, approvalId);
  return row ? (readable([row], toRun)[0] ?? null) : null;
}

export function forgetOldRuns(sql: Sql, now: number): void {
  const before = now - RUN_RETENTION_MS;
  sql.run(`delete from agent_run_approvals where run_id in (select id from agent_runs where ${FINISHED_RUN} and updated_at < ?)`, before);
  sql.run(`delete from agent_tool_calls where run_id in (select id from agent_runs where ${FINISHED_RUN} and updated_at < ?)`, before);
  sql.run(`delete from agent_gateway_invokes where run_id in (select id from agent_runs where ${FINISHED_RUN} and updated_at < ?)`, before);
  sql.run(`delete from agent_runs where ${FINISHED_RUN} and updated_at < ?`, before);
}
