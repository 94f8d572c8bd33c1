import type { z } from "zod";
import type { Approval } from "../../../../../shared/protocol/approvals";
import type {
  GatewaySession,
  InstanceSessions,
  SessionsOpenParams,
  SessionsSendParams,
} from "../../../../../shared/protocol/gateway";
import type { Message, Thread } from "../../../../../shared/protocol/threads";
import { approvalsTable as approvals, getApproval, requestApproval, settleApproval } from "../approvals/index";
import { and, count, eq } from "drizzle-orm";
import type { OpContext } from "../../kernel/commit";
import { excluded, hasRow, preparedPerRoom } from "../../../../domain/db/client";
import { gatewayApprovals, gatewayDevices, gatewayImports, gatewayOutbox, gatewaySessions } from "./tables";
import { RoomError } from "../../../../domain/errors";
import { bindingForSession, bindThread, sessionsShown } from "./gateway-bindings";
import { putInstance, requireInstance } from "./instances";
import type { Sql } from "../../../../domain/sql";
import { sendChat } from "./gateway-outbox";
import { createThread, getThread } from "../threads/index";
import { readable } from "../../../../records/codec";
import { approvalRecord, gatewaySessionRecord } from "../../../../records/documents";

// Room state of the OpenClaw bridge, as plain functions over SQL. The bridge
// (party/rooms/autopilot/features/gateway-bridge/) does the talking; everything it learns lands here, idempotently,
// so a live event and the catch-up after a reconnect can report the same thing twice.

/** `sessions.open`: the thread bound to a gateway session, created on first open. */
export function openSession(ctx: OpContext, params: z.output<typeof SessionsOpenParams>): { thread: Thread } {
  const instance = requireInstance(ctx.sql, params.instanceId);
  const existing = bindingForSession(ctx.sql, instance.id, params.sessionKey);
  if (existing) {
    const thread = getThread(ctx.sql, existing.threadId);
    if (thread) return { thread };
  }
  const session = ctx.sql.db
    .select({ doc: gatewaySessions.doc })
    .from(gatewaySessions)
    .where(and(eq(gatewaySessions.instanceId, instance.id), eq(gatewaySessions.key, params.sessionKey)))
    .get();
  const label =
    (session && readable([session], (r) => gatewaySessionRecord.decode(r.doc))[0]?.label) ?? params.sessionKey;
  const gateway = { instanceId: instance.id, sessionKey: params.sessionKey };
  const { thread } = createThread(
    ctx,
    { title: `${instance.name}: ${label}`.slice(0, 200), idempotencyKey: params.idempotencyKey },
    gateway,
  );
  bindThread(ctx.sql, thread.id, gateway);
  putInstance(ctx, { ...instance, threadIds: [...instance.threadIds, thread.id], updatedAt: ctx.now });
  return { thread };
}

/** `sessions.send`: into the session's thread (opened on first use), like `chat.send`. */
export function sendToSession(
  ctx: OpContext,
  params: z.output<typeof SessionsSendParams>,
): { thread: Thread; message: Message } {
  const { thread } = openSession(ctx, params);
  const { message } = sendChat(ctx, { threadId: thread.id, text: params.text, idempotencyKey: params.idempotencyKey });
  return { thread: getThread(ctx.sql, thread.id) ?? thread, message };
}

// --- imports (dedupe) -------------------------------------------------------------

export function wasImported(sql: Sql, instanceId: string, key: string): boolean {
  return hasRow(sql.db, gatewayImports, and(eq(gatewayImports.instanceId, instanceId), eq(gatewayImports.key, key)));
}

export function markImported(sql: Sql, instanceId: string, keys: string[], now: number): void {
  for (const key of keys)
    sql.db.insert(gatewayImports).values({ instanceId, key, at: now }).onConflictDoNothing().run();
}

// --- sessions ---------------------------------------------------------------------

export function putSessions(
  sql: Sql,
  instanceId: string,
  sessions: Omit<GatewaySession, "threadId">[],
): InstanceSessions {
  sessionsShown.written(sql, "all");
  sql.db.delete(gatewaySessions).where(eq(gatewaySessions.instanceId, instanceId)).run();
  for (const s of sessions)
    sql.db
      .insert(gatewaySessions)
      .values({ instanceId, key: s.key, doc: gatewaySessionRecord.encode(s) })
      .onConflictDoNothing()
      .run();
  return listSessions(sql, instanceId);
}

/** The instance's sessions, each with the thread it is open as (if any). */
export function listSessions(sql: Sql, instanceId: string): InstanceSessions {
  const rows = sql.db
    .select({ doc: gatewaySessions.doc })
    .from(gatewaySessions)
    .where(eq(gatewaySessions.instanceId, instanceId))
    .all();
  const sessions = readable(rows, (r) => gatewaySessionRecord.decode(r.doc))
    .map((s) => ({ ...s, threadId: bindingForSession(sql, instanceId, s.key)?.threadId ?? null }))
    .sort((a, b) => (b.updatedAt ?? 0) - (a.updatedAt ?? 0));
  return { instanceId, sessions };
}

/** Every instance's sessions (on every hello, resumes included). */
export function allSessions(sql: Sql): InstanceSessions[] {
  return sessionsShown.read(sql, "all", () =>
    sessionStatements(sql.db)
      .instances.all()
      .map((r) => listSessions(sql, r.instanceId)),
  );
}

// Run on every hello: prepared once per room.
const sessionStatements = preparedPerRoom((db) => ({
  instances: db.selectDistinct({ instanceId: gatewaySessions.instanceId }).from(gatewaySessions).prepare(),
}));

export function forgetInstance(sql: Sql, instanceId: string): void {
  sessionsShown.written(sql, "all");
  for (const table of [gatewayDevices, gatewaySessions, gatewayImports, gatewayApprovals])
    sql.db.delete(table).where(eq(table.instanceId, instanceId)).run();
  sql.db
    .update(gatewayOutbox)
    .set({ state: "failed" })
    .where(and(eq(gatewayOutbox.instanceId, instanceId), eq(gatewayOutbox.state, "queued")))
    .run();
}

// --- approvals --------------------------------------------------------------------

export function approvalForRequest(sql: Sql, instanceId: string, requestId: string): Approval | null {
  const row = sql.db
    .select({ approvalId: gatewayApprovals.approvalId })
    .from(gatewayApprovals)
    .where(and(eq(gatewayApprovals.instanceId, instanceId), eq(gatewayApprovals.requestId, requestId)))
    .get();
  return row ? getApproval(sql, row.approvalId) : null;
}

/** Pending room approvals that stand for this instance's gateway requests. */
export function pendingGatewayApprovals(sql: Sql, instanceId: string): Approval[] {
  const rows = sql.db
    .select({ doc: approvals.doc })
    .from(gatewayApprovals)
    .innerJoin(approvals, eq(approvals.id, gatewayApprovals.approvalId))
    .where(and(eq(gatewayApprovals.instanceId, instanceId), eq(approvals.status, "pending")))
    .all();
  return readable(rows, (r) => approvalRecord.decode(r.doc));
}

export interface GatewayRequest {
  instanceId: string;
  requestId: string;
  title: string;
  details: string;
  risk: Approval["risk"];
  threadId: string | null;
  expiresAt: number | null;
  action: NonNullable<Approval["action"]>;
}

/** How many of this instance's gateway requests wait for a person. */
export function countPendingGatewayApprovals(sql: Sql, instanceId: string): number {
  return (
    sql.db
      .select({ n: count() })
      .from(gatewayApprovals)
      .innerJoin(approvals, eq(approvals.id, gatewayApprovals.approvalId))
      .where(and(eq(gatewayApprovals.instanceId, instanceId), eq(approvals.status, "pending")))
      .get()?.n ?? 0
  );
}

/**
 * Records a gateway request as a room approval once; the same request again is a no-op.
 * Refused (`rate_limited`, nothing written) while `maxPending` of the instance's requests
 * already wait: a gateway cannot bury everyone's approvals under its own.
 */
export function recordGatewayRequest(
  ctx: OpContext,
  request: GatewayRequest,
  maxPending = Number.POSITIVE_INFINITY,
): Approval | null {
  if (approvalForRequest(ctx.sql, request.instanceId, request.requestId)) return null;
  const pending = countPendingGatewayApprovals(ctx.sql, request.instanceId);
  if (pending >= maxPending) {
    throw new RoomError(
      "rate_limited",
      `OpenClaw instance ${request.instanceId} already has ${pending} requests waiting for a decision; more are not filed until some are decided`,
      {
        instanceId: request.instanceId,
        maxPending,
      },
    );
  }
  // An expiry already in the past would resolve at once; the gateway says it is still open.
  const ttl = request.expiresAt ? Math.max(1000, request.expiresAt - ctx.now) : undefined;
  const { approval } = requestApproval(
    ctx,
    {
      title: request.title,
      details: request.details,
      risk: request.risk,
      ...(request.threadId && getThread(ctx.sql, request.threadId) ? { threadId: request.threadId } : {}),
      ...(ttl ? { expiresInMs: Math.min(ttl, 30 * 24 * 60 * 60 * 1000) } : {}),
      idempotencyKey: `gateway-${request.instanceId}-${request.requestId}`,
    },
    request.action,
  );
  ctx.sql.db
    .insert(gatewayApprovals)
    .values({ instanceId: request.instanceId, requestId: request.requestId, approvalId: approval.id })
    .run();
  return approval;
}

/** The gateway decided (or forgot) a request on its own: the room approval follows. */
export function settleGatewayRequest(
  ctx: OpContext,
  instanceId: string,
  requestId: string,
  status: "approved" | "denied" | "expired",
  note: string,
): Approval | null {
  const approval = approvalForRequest(ctx.sql, instanceId, requestId);
  if (approval?.status !== "pending") return null;
  return settleApproval(ctx, approval, status, note);
}

// --- device identity ----------------------------------------------------------------

export function getDeviceDoc<T>(sql: Sql, instanceId: string): T | null {
  const row = sql.db
    .select({ doc: gatewayDevices.doc })
    .from(gatewayDevices)
    .where(eq(gatewayDevices.instanceId, instanceId))
    .get();
  return row ? (JSON.parse(row.doc) as T) : null;
}

/** The Autopilot's own device on a gateway cannot be unpaired from the room: that would cut the room off. */
export function refuseOwnDevice(sql: Sql, instanceId: string, deviceId: string): void {
  if (getDeviceDoc<{ deviceId?: string }>(sql, instanceId)?.deviceId === deviceId) {
    throw new RoomError(
      "conflict",
      "that device is the Autopilot's own link to this gateway: unpairing it would cut the room off",
      { instanceId, deviceId },
    );
  }
}

export function putDeviceDoc(sql: Sql, instanceId: string, doc: unknown): void {
  sql.db
    .insert(gatewayDevices)
    .values({ instanceId, doc: JSON.stringify(doc) })
    .onConflictDoUpdate({ target: gatewayDevices.instanceId, set: { doc: excluded("doc") } })
    .run();
}
