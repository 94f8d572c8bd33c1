// An approval filed for an agent's gated call over MCP (docs/mcp.md, "Tools") authorises
// that call and nothing else. Its gate, filed with it in one transaction, records who
// filed it, the method and the digest of the arguments it runs with; whoever runs a call
// on an approval checks all of them (approvedCallRefusal), so an approval filed for
// something else — a plain approvals.request, another method, other arguments, another
// key — never stands for a call; and it stands for one run of it (claimApprovedCall). The
// room runs the call once approved, so people decide it (approvals.ts reads the gate for
// the shared policy).
import { and, eq, isNull } from "drizzle-orm";
import type { z } from "zod";
import { isPerson } from "../../../../../shared/people";
import type { Approval, ApprovalsRequestParams } from "../../../../../shared/protocol/approvals";
import type { MethodName } from "../../../../../shared/protocol/methods";
import type { Principal } from "../../../../../shared/protocol/principal";
import { getApproval, requestApproval } from "../approvals/index";
import type { OpContext } from "../../kernel/commit";
import { approvalGatesTable as approvalGates, approvalsTable as approvals } from "../approvals/index";
import { RoomError } from "../../../../domain/errors";
import { requireInstance } from "../instances/index";
import { getJob } from "../jobs/index";
import { requireProject } from "../projects/index";
import type { Sql } from "../../../../domain/sql";
import { requireThread } from "../threads/index";

export interface CallGate {
  method: MethodName;
  /** The digest of the call's parsed params without their idempotency key (rooms/autopilot/features/mcp/gated-calls.ts). */
  argsDigest: string;
  /** The server's name for the call (its session and JSON-RPC id): a retried call finds its approval by it. */
  callId: string;
}

/**
 * The targets a gated method's params name must exist before anyone is asked: nobody
 * should approve a call that could only fail. Every gated method names its targets with
 * these params (shared/protocol/tool-policy.ts).
 */
export function requireCallTargets(sql: Sql, params: Record<string, unknown>): void {
  if (typeof params.threadId === "string") requireThread(sql, params.threadId);
  if (typeof params.instanceId === "string") {
    const _instance = requireInstance(sql, params.instanceId);
  }
  if (typeof params.jobId === "string" && !getJob(sql, params.jobId))
    throw new RoomError("not_found", `no job ${params.jobId}`, { jobId: params.jobId });
  if (typeof params.projectId === "string") requireProject(sql, params.projectId);
}

/** Files the approval a gated call waits for, with its gate; a retried call (same filer and call id) gets the approval it filed first. */
export function fileGatedCall(
  ctx: OpContext,
  gate: CallGate,
  request: Omit<z.output<typeof ApprovalsRequestParams>, "idempotencyKey">,
): { approval: Approval } {
  const earlier = ctx.sql.db
    .select({ approvalId: approvalGates.approvalId })
    .from(approvalGates)
    .where(and(eq(approvalGates.filerId, ctx.principal.id), eq(approvalGates.callId, gate.callId)))
    .get();
  const filed = earlier ? getApproval(ctx.sql, earlier.approvalId) : null;
  if (filed) return { approval: filed };
  const { approval } = requestApproval(ctx, request);
  ctx.sql.db
    .insert(approvalGates)
    .values({
      approvalId: approval.id,
      filerId: ctx.principal.id,
      method: gate.method,
      argsDigest: gate.argsDigest,
      callId: gate.callId,
      createdAt: ctx.now,
    })
    .run();
  return { approval };
}

/** Why `approvalId` does not let `principal` run this call, or null when a person approved exactly this call of theirs. */
export function approvedCallRefusal(
  sql: Sql,
  approvalId: string,
  principal: Pick<Principal, "id">,
  method: MethodName,
  argsDigest: string,
): string | null {
  const approval = getApproval(sql, approvalId);
  const gate = sql.db.select().from(approvalGates).where(eq(approvalGates.approvalId, approvalId)).get();
  if (!approval || !gate) return `approval ${approvalId} was not filed for a call`;
  if (gate.filerId !== principal.id || approval.requestedBy.id !== principal.id)
    return `approval ${approvalId} was filed by someone else`;
  if (gate.method !== method || gate.argsDigest !== argsDigest) return `approval ${approvalId} authorises another call`;
  if (approval.status !== "approved") return `approval ${approvalId} is ${approval.status}`;
  if (!approval.resolvedBy || !isPerson(approval.resolvedBy))
    return `approval ${approvalId} was not decided by a person`;
  return null;
}

/**
 * Uses up the approval for its call, in one statement: true for the one caller that claims
 * it, false once anyone has. Without it a call sent twice at once (the same JSON-RPC id
 * twice in a batch, or in two requests) would run once per copy on one decision.
 */
export function claimApprovedCall(sql: Sql, approvalId: string, now: number): boolean {
  const claimed = sql.db
    .update(approvalGates)
    .set({ usedAt: now })
    .where(and(eq(approvalGates.approvalId, approvalId), isNull(approvalGates.usedAt)))
    .returning({ approvalId: approvalGates.approvalId })
    .all();
  return claimed.length === 1;
}

/** The approvals of gated calls still pending: after a restart no call waits on any of them (MCP sessions live in memory). */
export function pendingGatedCalls(sql: Sql): string[] {
  return sql.db
    .select({ id: approvalGates.approvalId })
    .from(approvalGates)
    .innerJoin(approvals, eq(approvals.id, approvalGates.approvalId))
    .where(eq(approvals.status, "pending"))
    .all()
    .map((row) => row.id);
}
