import type { z } from "zod";
import type { Approval } from "../../shared/protocol/approvals";
import type { GatewaySession, InstanceSessions, SessionsOpenParams, SessionsSendParams } from "../../shared/protocol/gateway";
import type { Message, Thread } from "../../shared/protocol/threads";
import { getApproval, requestApproval, settleApproval } from "./approvals";
import type { OpContext } from "./context";
import { RoomError } from "./errors";
import { bindingForSession, bindThread } from "./gateway-bindings";
import { getInstance, putInstance } from "./instances";
import type { Sql } from "./sql";
import { sendChat } from "./gateway-outbox";
import { createThread, getThread } from "./threads";
import { readable } from "../records/codec";
import { approvalRecord, gatewaySessionRecord } from "../records/documents";

// Room state of the OpenClaw bridge, as plain functions over SQL. The bridge
// (party/bridge) does the talking; everything it learns lands here, idempotently, so a
// live event and the catch-up after a reconnect can report the same thing twice.

/** `sessions.open`: the thread bound to a gateway session, created on first open. */
export function openSession(ctx: OpContext, params: z.output<typeof SessionsOpenParams>): { thread: Thread } {
  const instance = getInstance(ctx.sql, params.instanceId);
  if (!instance || instance.status === "stopped") throw new RoomError("not_found", `no instance ${params.instanceId}`, { instanceId: params.instanceId });
  const existing = bindingForSession(ctx.sql, instance.id, params.sessionKey);
  if (existing) {
    const thread = getThread(ctx.sql, existing.threadId);
    if (thread) return { thread };
  }
  const session = ctx.sql.one<{ doc: string }>(`select doc from gateway_sessions where instance_id = ? and key = ?`, instance.id, params.sessionKey);
  const label = (session && readable([session], (r) => gatewaySessionRecord.decode(r.doc))[0]?.label) ?? params.sessionKey;
  const gateway = { instanceId: instance.id, sessionKey: params.sessionKey };
  const { thread } = createThread(ctx, { title: `${instance.name}: ${label}`.slice(0, 200), idempotencyKey: params.idempotencyKey }, gateway);
  bindThread(ctx.sql, thread.id, gateway);
  putInstance(ctx, { ...instance, threadIds: [...instance.threadIds, thread.id], updatedAt: ctx.now });
  return { thread };
}

/** `sessions.send`: into the session's thread (opened on first use), like `chat.send`. */
export function sendToSession(ctx: OpContext, params: z.output<typeof SessionsSendParams>): { thread: Thread; message: Message } {
  const { thread } = openSession(ctx, params);
  const { message } = sendChat(ctx, { threadId: thread.id, text: params.text, idempotencyKey: params.idempotencyKey });
  return { thread: getThread(ctx.sql, thread.id) ?? thread, message };
}

// --- imports (dedupe) -------------------------------------------------------------

export function wasImported(sql: Sql, instanceId: string, key: string): boolean {
  return sql.one(`select 1 as x from gateway_imports where instance_id = ? and key = ?`, instanceId, key) !== null;
}

export function markImported(sql: Sql, instanceId: string, keys: string[], now: number): void {
  for (const key of keys) sql.run(`insert into gateway_imports (instance_id, key, at) values (?, ?, ?) on conflict do nothing`, instanceId, key, now);
}

// --- sessions ---------------------------------------------------------------------

export function putSessions(sql: Sql, instanceId: string, sessions: Omit<GatewaySession, "threadId">[]): InstanceSessions {
  sql.run(`delete from gateway_sessions where instance_id = ?`, instanceId);
  for (const s of sessions) sql.run(`insert into gateway_sessions (instance_id, key, doc) values (?, ?, ?) on conflict do nothing`, instanceId, s.key, gatewaySessionRecord.encode(s));
  return listSessions(sql, instanceId);
}

/** The instance's sessions, each with the thread it is open as (if any). */
export function listSessions(sql: Sql, instanceId: string): InstanceSessions {
  const rows = sql.all<{ doc: string }>(`select doc from gateway_sessions where instance_id = ?`, instanceId);
  const sessions = readable(rows, (r) => gatewaySessionRecord.decode(r.doc))
    .map((s) => ({ ...s, threadId: bindingForSession(sql, instanceId, s.key)?.threadId ?? null }))
    .sort((a, b) => (b.updatedAt ?? 0) - (a.updatedAt ?? 0));
  return { instanceId, sessions };
}

export function allSessions(sql: Sql): InstanceSessions[] {
  return sql.all<{ instance_id: string }>(`select distinct instance_id from gateway_sessions`).map((r) => listSessions(sql, r.instance_id));
}

export function forgetInstance(sql: Sql, instanceId: string): void {
  for (const table of ["gateway_devices", "gateway_sessions", "gateway_imports", "gateway_approvals"]) sql.run(`delete from ${table} where instance_id = ?`, instanceId);
  sql.run(`update gateway_outbox set state = 'failed' where instance_id = ? and state = 'queued'`, instanceId);
}

// --- approvals --------------------------------------------------------------------

export function approvalForRequest(sql: Sql, instanceId: string, requestId: string): Approval | null {
  const row = sql.one<{ approval_id: string }>(`select approval_id from gateway_approvals where instance_id = ? and request_id = ?`, instanceId, requestId);
  return row ? getApproval(sql, row.approval_id) : null;
}

/** Pending room approvals that stand for this instance's gateway requests. */
export function pendingGatewayApprovals(sql: Sql, instanceId: string): Approval[] {
  const rows = sql.all<{ doc: string }>(`select a.doc from gateway_approvals g join approvals a on a.id = g.approval_id where g.instance_id = ? and a.status = 'pending'`, instanceId);
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
  return sql.one<{ n: number }>(`select count(*) as n from gateway_approvals g join approvals a on a.id = g.approval_id where g.instance_id = ? and a.status = 'pending'`, instanceId)?.n ?? 0;
}

/**
 * Records a gateway request as a room approval once; the same request again is a no-op.
 * Refused (`rate_limited`, nothing written) while `maxPending` of the instance's requests
 * already wait: a gateway cannot bury everyone's approvals under its own.
 */
export function recordGatewayRequest(ctx: OpContext, request: GatewayRequest, maxPending = Number.POSITIVE_INFINITY): Approval | null {
  if (approvalForRequest(ctx.sql, request.instanceId, request.requestId)) return null;
  const pending = countPendingGatewayApprovals(ctx.sql, request.instanceId);
  if (pending >= maxPending) {
    throw new RoomError("rate_limited", `OpenClaw instance ${request.instanceId} already has ${pending} requests waiting for a decision; more are not filed until some are decided`, {
      instanceId: request.instanceId,
      maxPending,
    });
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
  ctx.sql.run(`insert into gateway_approvals (instance_id, request_id, approval_id) values (?, ?, ?)`, request.instanceId, request.requestId, approval.id);
  return approval;
}

/** The gateway decided (or forgot) a request on its own: the room approval follows. */
export function settleGatewayRequest(ctx: OpContext, instanceId: string, requestId: string, status: "approved" | "denied" | "expired", note: string): Approval | null {
  const approval = approvalForRequest(ctx.sql, instanceId, requestId);
  if (approval?.status !== "pending") return null;
  return settleApproval(ctx, approval, status, note);
}

// --- device identity ----------------------------------------------------------------

export function getDeviceDoc<T>(sql: Sql, instanceId: string): T | null {
  const row = sql.one<{ doc: string }>(`select doc from gateway_devices where instance_id = ?`, instanceId);
  return row ? (JSON.parse(row.doc) as T) : null;
}

/** The Autopilot's own device on a gateway cannot be unpaired from the room: that would cut the room off. */
export function refuseOwnDevice(sql: Sql, instanceId: string, deviceId: string): void {
  if (getDeviceDoc<{ deviceId?: string }>(sql, instanceId)?.deviceId === deviceId) {
    throw new RoomError("conflict", "that device is the Autopilot's own link to this gateway: unpairing it would cut the room off", { instanceId, deviceId });
  }
}

export function putDeviceDoc(sql: Sql, instanceId: string, doc: unknown): void {
  sql.run(`insert into gateway_devices (instance_id, doc) values (?, ?) on conflict (instance_id) do update set doc = excluded.doc`, instanceId, JSON.stringify(doc));
}
