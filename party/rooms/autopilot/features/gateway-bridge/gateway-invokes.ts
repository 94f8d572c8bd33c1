import { and, eq } from "drizzle-orm";
import { agentGatewayInvokes } from "./tables";
import type { Sql } from "../../../../domain/sql";

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
const invokeIs = (call: InvokeKey) =>
  and(eq(agentGatewayInvokes.runId, call.runId), eq(agentGatewayInvokes.toolCallId, call.toolCallId));

export function beginInvoke(
  sql: Sql,
  call: InvokeKey & { instanceId: string; tool: string },
  now: number,
): InvokeStart {
  return sql.transaction((): InvokeStart => {
    const row = sql.db
      .select({
        startedAt: agentGatewayInvokes.startedAt,
        finishedAt: agentGatewayInvokes.finishedAt,
        ok: agentGatewayInvokes.ok,
        result: agentGatewayInvokes.result,
      })
      .from(agentGatewayInvokes)
      .where(invokeIs(call))
      .get();
    if (row?.finishedAt != null) return { state: "finished", ok: row.ok === 1, result: row.result ?? "" };
    if (row) return { state: "unknown", startedAt: row.startedAt };
    sql.db
      .insert(agentGatewayInvokes)
      .values({
        runId: call.runId,
        toolCallId: call.toolCallId,
        instanceId: call.instanceId,
        tool: call.tool,
        startedAt: now,
      })
      .run();
    return { state: "new" };
  });
}

/** Records a sent call's answer (`ok` false: the gateway refused it or the tool failed). */
export function finishInvoke(sql: Sql, call: InvokeKey, outcome: { ok: boolean; result: string }, now: number): void {
  sql.db
    .update(agentGatewayInvokes)
    .set({ finishedAt: now, ok: outcome.ok ? 1 : 0, result: outcome.result })
    .where(invokeIs(call))
    .run();
}
