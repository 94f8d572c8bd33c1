import type { InstanceOperation } from "../../../../../shared/protocol/instances";
import type { z } from "zod";
import type {
  Approval,
  ApprovalReach,
  ApprovalsListParams,
  ApprovalsRequestParams,
  ApprovalsResolveParams,
  ApprovalStatus,
} from "../../../../../shared/protocol/approvals";
import { DecidedIn } from "../../../../../shared/protocol/approvals";
import { and, asc, eq, isNotNull, lte, min, ne } from "drizzle-orm";
import type { OpContext } from "../../kernel/commit";
import type { Via } from "../../kernel/feature";
import type { RequestContext } from "../../kernel/handlers";
import { excluded, hasRow, preparedPerRoom } from "../../../../domain/db/client";
import { approvalGates, approvals } from "./tables";
import { instanceNames as instances } from "./instance-names";
import { jobsTable as jobs } from "../jobs/index";
import { threadsTable as threads } from "../threads/index";
import { orNotFound, RoomError } from "../../../../domain/errors";
import { docById, type Page, pageRows } from "../../kernel/paging";
import type { Sql } from "../../../../domain/sql";
import { type DecisionAsk, decisionRefusal, selfConfirmed } from "../../../../../shared/approval-policy";
import type { Actor, Principal, Scope } from "../../../../../shared/protocol/principal";
import { hasScope } from "../../../../../shared/scopes";
import type { AccessVerdict } from "../../../../auth/current-access";
import type { ApprovalKind } from "../../../../../shared/protocol/settings";
import { getSettings } from "../../kernel/settings";
import { getThread, requireThread } from "../threads/index";
import { type AskingStep, approvalSummary, type NameLookup } from "../../../../../shared/approval-summary";
import { readable } from "../../../../records/codec";
import { approvalRecord, instanceRecord, jobRecord, threadRecord } from "../../../../records/documents";

export function getApproval(sql: Sql, id: string): Approval | null {
  return docById(sql, approvals, id, (doc) => approvalRecord.decode(doc));
}

export function requireApproval(sql: Sql, id: string): Approval {
  return orNotFound(getApproval(sql, id), "approval", id);
}

function putApproval(sql: Sql, a: Approval): void {
  sql.db
    .insert(approvals)
    .values({
      id: a.id,
      status: a.status,
      expiresAt: a.expiresAt,
      requestedAt: a.requestedAt,
      doc: approvalRecord.encode(a),
    })
    .onConflictDoUpdate({
      target: approvals.id,
      set: { status: excluded("status"), expiresAt: excluded("expires_at"), doc: excluded("doc") },
    })
    .run();
}

/** Which of the workspace's lifetimes an approval's expiry follows. */
export function approvalKind(action: Approval["action"]): ApprovalKind {
  if (!action) return "request";
  if (action.kind === "exec" || action.kind === "pairing") return "gateway";
  // A spend approval holds up a run or a task, as a tool call's does: it waits as long.
  if (action.kind === "spend") return "tool";
  return action.kind;
}

/**
 * How long an approval waits: what its asker (or gateway) gives it, capped by the
 * workspace's lifetime for its kind; with neither, the kind's built-in default.
 */
function lifetimeOf(
  sql: Sql,
  action: Approval["action"],
  asked: number | undefined,
  builtIn: number | undefined,
): number | undefined {
  const set = getSettings(sql).approvals.lifetimes[approvalKind(action)] ?? undefined;
  const given = asked ?? builtIn;
  if (given === undefined) return set;
  return set === undefined ? given : Math.min(given, set);
}

/**
 * Files an approval. `builtInMs` is the kind's default lifetime when the asker gives
 * none (instance operations, the Autopilot's tool calls); the workspace's setting for
 * the kind caps both.
 */
export function requestApproval(
  ctx: OpContext,
  // The key, when the request came with one, was the dispatcher's (context.ts remember), not this one's.
  params: Omit<z.output<typeof ApprovalsRequestParams>, "idempotencyKey"> & { idempotencyKey?: string },
  action: Approval["action"] = null,
  builtInMs?: number,
  /** A task's step asks: its summary says which task and step (shared/approval-summary.ts). */
  asker: AskingStep | null = null,
): { approval: Approval } {
  if (params.threadId) requireThread(ctx.sql, params.threadId);
  const lifetime = lifetimeOf(ctx.sql, action ?? null, params.expiresInMs, builtInMs);
  const names = roomNames(ctx.sql);
  // A gateway tool call runs on the instance attached to the run's thread.
  const threadInstance = params.threadId ? (getThread(ctx.sql, params.threadId)?.gateway?.instanceId ?? null) : null;
  const approval: Approval = {
    id: ctx.newId("apr"),
    title: params.title,
    summary: approvalSummary(
      action ?? null,
      params.title,
      names,
      threadInstance ? names.instance(threadInstance) : null,
      asker,
    ),
    details: params.details,
    risk: params.risk,
    status: "pending",
    threadId: params.threadId ?? null,
    requestedBy: ctx.actor,
    onBehalfOf: ctx.onBehalfOf,
    requestedAt: ctx.now,
    expiresAt: lifetime ? ctx.now + lifetime : null,
    resolvedBy: null,
    resolvedAt: null,
    note: null,
    selfConfirmed: false,
    action,
  };
  putApproval(ctx.sql, approval);
  ctx.emit("approval.requested", { approval });
  ctx.audit("approval.requested", approval.id, {
    title: approval.title,
    risk: approval.risk,
    ...(approval.onBehalfOf && approval.onBehalfOf.id !== approval.requestedBy.id
      ? { onBehalfOf: approval.onBehalfOf }
      : {}),
  });
  if (approval.expiresAt) ctx.wakeAt(approval.expiresAt);
  return { approval };
}

/**
 * The first valid decision wins. The room handles one request at a time and this runs
 * inside one synchronous transaction, so "still pending?" and "mark decided" cannot be
 * interleaved by a concurrent resolve: every later one sees the decided row.
 */
export function resolveApproval(
  ctx: OpContext,
  params: z.output<typeof ApprovalsResolveParams>,
  /** The request (a room's own decision has none: it is the app's). */
  req: Pick<RequestContext, "via"> = { via: "socket" },
): { approval: Approval } {
  const existing = requireApproval(ctx.sql, params.approvalId);
  if (existing.status !== "pending") {
    throw new RoomError("already_resolved", `approval was already ${existing.status}`, {
      approvalId: existing.id,
      status: existing.status,
      resolvedBy: existing.resolvedBy,
    });
  }
  // People decide risky actions (shared/approval-policy.ts).
  refuseDecision(ctx.sql, existing, ctx.principal, params);
  const own = selfConfirmed(existing, ctx.principal.id, params.decision);
  return {
    approval: settleApproval(
      ctx,
      withGrant(existing, params),
      params.decision === "approve" ? "approved" : "denied",
      params.note ?? null,
      own,
      null,
      decidedIn(req.via),
    ),
  };
}

/**
 * An approved spend approval records what it grants: the person's figure (`amount`), or what it
 * asked. A figure is for a spend approval's approval only.
 */
function withGrant(
  approval: Approval,
  params: { decision: "approve" | "deny"; amount?: number | undefined },
): Approval {
  const action = approval.action;
  if (params.amount !== undefined && (action?.kind !== "spend" || params.decision !== "approve"))
    throw new RoomError("bad_request", "an amount is given only when approving a spend approval", {
      approvalId: approval.id,
    });
  if (action?.kind !== "spend" || params.decision !== "approve") return approval;
  return { ...approval, action: { ...action, granted: params.amount ?? action.amount } };
}

/**
 * Where a person's decision was taken, as the app says it ("in Telegram"): an entry whose name
 * the protocol knows as a place of decision (a link, a chat platform, an allowance) is it; the
 * app's own entries (sockets, MCP, tools, schedules) are the app.
 */
const decidedIn = (via: Via): DecidedIn => {
  const where = DecidedIn.safeParse(via);
  return where.success ? where.data : "app";
};

/** Whether the room runs a call once this is approved: a gated MCP call's approval has a gate (approval-gates.ts). */
const gatesCall = (sql: Sql, approvalId: string): boolean =>
  hasRow(sql.db, approvalGates, eq(approvalGates.approvalId, approvalId));

/** The shared policy's refusal, with what only the room knows of the approval (whether it gates a call). */
const refusalOf = (sql: Sql, approval: Approval, principal: Pick<Principal, "id" | "kind">, ask: DecisionAsk) =>
  decisionRefusal({ ...approval, gatesCall: gatesCall(sql, approval.id) }, principal, getSettings(sql).approvals, ask);

/** Throws the typed refusal when this principal may not take this decision under the workspace's policy. */
export function refuseDecision(
  sql: Sql,
  approval: Approval,
  principal: Pick<Principal, "id" | "kind">,
  ask: DecisionAsk,
): void {
  const refusal = refusalOf(sql, approval, principal, ask);
  if (refusal) throw new RoomError(refusal.code, refusal.message, { approvalId: approval.id, ...refusal.details });
}

/** Whether this decision would be refused (a decision the ordinary path refuses anyway reads nothing outside the room). */
export const decisionRefused = (
  sql: Sql,
  approval: Approval,
  principal: Pick<Principal, "id" | "kind">,
  ask: DecisionAsk,
): boolean => refusalOf(sql, approval, principal, ask) !== null;

/** Decides a pending approval as the context's actor (a person, or the room for a gateway). */
export function settleApproval(
  ctx: OpContext,
  existing: Approval,
  status: Exclude<ApprovalStatus, "pending">,
  note: string | null,
  ownConfirm = false,
  /** An expiry someone's act caused (a spend approval no longer needed) names them; others name nobody. */
  expiredBy: Actor | null = null,
  /** Where a person decided it. */
  where?: DecidedIn,
): Approval {
  const approval: Approval = {
    ...existing,
    status,
    resolvedBy: status === "expired" ? expiredBy : ctx.actor,
    resolvedAt: ctx.now,
    note,
    selfConfirmed: ownConfirm,
    ...(where ? { decidedIn: where } : {}),
  };
  putApproval(ctx.sql, approval);
  ctx.emit("approval.resolved", { approval });
  ctx.audit(`approval.${status}`, approval.id, {
    title: approval.title,
    note: approval.note,
    ...(ownConfirm ? { selfConfirmed: true } : {}),
  });
  return approval;
}

/**
 * Changes a pending approval's words and action (more work joined a spend approval): everyone
 * sees it at once (`approval.updated`); its summary follows the action. Null when it was
 * decided meanwhile.
 */
export function amendApproval(
  ctx: OpContext,
  approvalId: string,
  change: Pick<Approval, "title" | "details" | "action">,
): Approval | null {
  const current = getApproval(ctx.sql, approvalId);
  if (current?.status !== "pending") return null;
  const names = roomNames(ctx.sql);
  const threadInstance = current.threadId ? (getThread(ctx.sql, current.threadId)?.gateway?.instanceId ?? null) : null;
  const approval: Approval = {
    ...current,
    ...change,
    summary: approvalSummary(
      change.action ?? null,
      change.title,
      names,
      threadInstance ? names.instance(threadInstance) : null,
    ),
  };
  putApproval(ctx.sql, approval);
  ctx.emit("approval.updated", { approval });
  return approval;
}

/**
 * Records whom an approval reached and how it stands for its asker (features/approval-reach/):
 * everyone sees it at once (`approval.updated`), decided or not. Null when there is no such
 * approval; nothing is written or told when the reach did not change.
 */
export function setApprovalReach(ctx: OpContext, approvalId: string, reach: ApprovalReach): Approval | null {
  const current = getApproval(ctx.sql, approvalId);
  if (!current) return null;
  if (JSON.stringify(current.reach) === JSON.stringify(reach)) return current;
  const approval: Approval = { ...current, reach };
  putApproval(ctx.sql, approval);
  ctx.emit("approval.updated", { approval });
  return approval;
}

/**
 * Withdraws a pending approval as the context's actor: it resolves as `expired` with why
 * in its note, and whatever it would have let the room do is never done. Null when it was
 * decided meanwhile.
 */
export function withdrawApproval(ctx: OpContext, approvalId: string, note: string): Approval | null {
  const current = getApproval(ctx.sql, approvalId);
  return current?.status === "pending" ? settleApproval(ctx, current, "expired", note) : null;
}

// Read by every inbox derivation and every approvals check: prepared once per room.
const pendingReads = preparedPerRoom((db) =>
  db
    .select({ doc: approvals.doc })
    .from(approvals)
    .where(eq(approvals.status, "pending"))
    .orderBy(asc(approvals.requestedAt))
    .prepare(),
);

/** Every pending approval, oldest first. */
export function pendingApprovals(sql: Sql): Approval[] {
  return readable(pendingReads(sql.db).all(), (r) => approvalRecord.decode(r.doc));
}

/** An instance's changes of these operations still waiting for a decision (their approvals' actions say so). */
export function pendingInstanceApprovals(
  sql: Sql,
  instanceId: string,
  operations: ReadonlySet<InstanceOperation>,
): Approval[] {
  return pendingApprovals(sql).filter(
    ({ action }) => action?.kind === "instance" && action.instanceId === instanceId && operations.has(action.operation),
  );
}

/** Resolves every pending approval whose time ran out; returns how many. */
export function expireDueApprovals(ctx: OpContext): number {
  const due = ctx.sql.db
    .select({ id: approvals.id, doc: approvals.doc })
    .from(approvals)
    .where(and(eq(approvals.status, "pending"), isNotNull(approvals.expiresAt), lte(approvals.expiresAt, ctx.now)))
    .all();
  for (const row of due) {
    const existing = readable([row], (r) => approvalRecord.decode(r.doc))[0];
    // An unreadable row stays as it is, but must not keep the expiry alarm firing every second.
    if (!existing) {
      ctx.sql.db.update(approvals).set({ expiresAt: null }).where(eq(approvals.id, row.id)).run();
      continue;
    }
    const approval: Approval = { ...existing, status: "expired", resolvedAt: ctx.now };
    putApproval(ctx.sql, approval);
    ctx.emit("approval.resolved", { approval });
    ctx.audit("approval.expired", approval.id, { title: approval.title });
  }
  return due.length;
}

export function nextApprovalExpiry(sql: Sql): number | null {
  return (
    sql.db
      .select({ at: min(approvals.expiresAt) })
      .from(approvals)
      .where(eq(approvals.status, "pending"))
      .get()?.at ?? null
  );
}

const APPROVAL_COLUMNS = { id: approvals.id, time: approvals.requestedAt, doc: approvals.doc };

/** Pending approvals: the hello counts what it leaves out. */
export const PENDING_APPROVALS = eq(approvals.status, "pending");

/** Newest requested first, one page from `before`. */
export function listApprovals(
  sql: Sql,
  params: z.output<typeof ApprovalsListParams>,
  maxBytes?: number,
): Page<Approval> {
  return pageRows(sql, {
    table: approvals,
    columns: APPROVAL_COLUMNS,
    where: params.status ? eq(approvals.status, params.status) : undefined,
    before: params.before,
    limit: params.limit,
    maxBytes,
    decode: (doc) => approvalRecord.decode(doc),
  });
}

/** Recently decided approvals, newest requested first (the bounded hello's history). */
export function recentResolvedApprovals(sql: Sql, limit: number, maxBytes: number): Approval[] {
  return pageRows(sql, {
    table: approvals,
    columns: APPROVAL_COLUMNS,
    where: ne(approvals.status, "pending"),
    limit,
    maxBytes,
    decode: (doc) => approvalRecord.decode(doc),
  }).items;
}

/**
 * The names the room knows for ids, read straight from the tables (not through the
 * modules that own them, which themselves file approvals): a thread's title, an
 * instance's name, a job's title. Null for an id it does not hold or cannot read.
 */
export function roomNames(sql: Sql): NameLookup {
  const one = <T>(rows: { doc: string }[], decode: (doc: string) => T): T | null =>
    readable(rows, (r) => decode(r.doc))[0] ?? null;
  return {
    thread: (id) =>
      one(sql.db.select({ doc: threads.doc }).from(threads).where(eq(threads.id, id)).all(), threadRecord.decode)
        ?.title ?? null,
    instance: (id) =>
      one(
        sql.db.select({ doc: instances.doc }).from(instances).where(eq(instances.id, id)).all(),
        instanceRecord.decode,
      )?.name ?? null,
    job: (id) =>
      one(sql.db.select({ doc: jobs.doc }).from(jobs).where(eq(jobs.id, id)).all(), jobRecord.decode)?.title ?? null,
  };
}

/**
 * Whom the work an approval gates is done for. An approval's action runs after a person
 * decides, which may be long after it was asked for; it is that principal's work, so it
 * runs only while that principal still has access and the scope the action takes:
 *
 * - a tool call of the Autopilot's run: the run's trigger (the principal whose message
 *   started it), with the scope the tool needs;
 * - an instance operation (an `instances.startChat` start's provision among them): who
 *   asked for it, or, when the Autopilot's run asked through an approval-method tool, that
 *   run's trigger; every instance operation takes `write`;
 * - a gateway's exec or pairing request, or a plain `approvals.request`: nobody in the
 *   workspace (the gateway asked, or the room takes no action): null.
 */
export interface ActingFor {
  principal: Principal;
  scope: Scope;
}

/**
 * Whom an approval acts for, as the feature that owns its kind of work knows it: undefined
 * when that feature does not know the approval (another may), null when it knows nobody is.
 * The agent knows its runs' tool calls and what its runs filed; the instances know the
 * operations people asked for (each registers with the approvals' `api.actingFor`).
 */
export type ActingForOf = (sql: Sql, approval: Approval) => ActingFor | null | undefined;

/** Whom an approval acts for, by the first owner that knows it; nobody when none does. */
export function actingForBy(owners: readonly ActingForOf[], sql: Sql, approval: Approval): ActingFor | null {
  for (const of of owners) {
    const acting = of(sql, approval);
    if (acting !== undefined) return acting;
  }
  return null;
}

/** The note of an approval withdrawn because whoever it acts for lost access. */
export const lostAccessNote = (who: Actor, reason: string): string =>
  `withdrawn: ${who.name} no longer has access (${reason})`;

/**
 * Why an approval must be withdrawn, given its principal's access as it stands now (the
 * note it resolves with), or null when the work may still run for them.
 */
export function withdrawalNote(acting: ActingFor, now: AccessVerdict): string | null {
  if (!now.ok) return lostAccessNote(acting.principal, now.reason);
  return hasScope(now.principal.scopes, acting.scope)
    ? null
    : `withdrawn: ${acting.principal.name} no longer holds the ${acting.scope} scope`;
}
