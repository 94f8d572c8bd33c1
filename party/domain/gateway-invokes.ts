import type { Sql } from "./sql";

// The ledger of the Autopilot's gateway tool calls. The gateway runs a `tools.invoke` as
// often as it is sent (its idempotencyKey only names the call), so a call is recorded
// here before it is sent and its result after: a call found started but not finished
// (the room went away in between) is never sent again — its outcome is unknown.

export interface InvokeKey {
  runId: string;
  toolCallId: string;
}

export type InvokeStart =
  /** Recorded now: send it. */
  | { state: "new" }
  /** Sent before, and its answer was never recorded. */
  | { state: "unknown"; startedAt: number }
  /** Sent before and answered: the recorded answer stands. */
  | { state: "finished"; ok: boolean; result: string };

/** Records a call before it is sent; says what to do instead if it was sent already. */
export function beginInvoke(sql: Sql, call: InvokeKey & { instanceId: string; tool: string }, now: number): InvokeStart {
  return sql.transaction((): InvokeStart => {
    const row = sql.one<{ started_at: number; finished_at: number | null; ok: number | null; result: string | null }>(
      `select started_at, finished_at, ok, result from agent_gateway_invokes where run_id = ? and tool_call_id = ?`,
      call.runId,
      call.toolCallId,
    );
    if (row?.finished_at != null) return { state: "finished", ok: row.ok === 1, result: row.result ?? "" };
    if (row) return { state: "unknown", startedAt: row.started_at };
    sql.run(`insert into agent_gateway_invokes (run_id, tool_call_id, instance_id, tool, started_at) values (?, ?, ?, ?, ?)`, call.runId, call.toolCallId, call.instanceId, call.tool, now);
    return { state: "new" };
  });
}

/** Records a sent call's answer (`ok` false: the gateway refused it or the tool failed). */
export function finishInvoke(sql: Sql, call: InvokeKey, outcome: { ok: boolean; result: string }, now: number): void {
  sql.run(`update agent_gateway_invokes set finished_at = ?, ok = ?, result = ? where run_id = ? and tool_call_id = ?`, now, outcome.ok ? 1 : 0, outcome.result, call.runId, call.toolCallId);
}
