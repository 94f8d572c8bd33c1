// Gateways their users run elsewhere (`instances.link`): the request (gated like a
// provision) and the stored address and token. The token lives only in this table: it is
// in no approval, event, audit entry, idempotency result or log line, and is dropped when
// the link is denied, expires or is deleted.
import type { Approval } from "../../shared/protocol/approvals";
import type { InstancesLinkParams } from "../../shared/protocol/instance-links";
import { linkDetails } from "../../shared/instance-texts";
import { requestApproval } from "./approvals";
import type { OpContext } from "./context";
import { RoomError } from "./errors";
import { gatewayDialUrl, type LinkPolicy } from "./gateway-address";
import { getInstance, INSTANCE_APPROVAL_TTL_MS } from "./instances";
import type { Sql } from "./sql";

export interface GatewayLink {
  instanceId: string;
  url: string;
  token: string;
}

/** Files the approval and keeps the address and token until a person decides. */
export function requestLink(ctx: OpContext, params: InstancesLinkParams, policy: LinkPolicy): { approval: Approval } {
  const existing = getInstance(ctx.sql, params.instanceId);
  if (existing && existing.status !== "stopped") throw new RoomError("conflict", `instance ${existing.id} already exists (${existing.status})`, { instanceId: existing.id });
  const pending = ctx.sql.one<{ approval_id: string }>(
    `select l.approval_id from gateway_links l join approvals a on a.id = l.approval_id where l.instance_id = ? and l.linked = 0 and a.status = 'pending'`,
    params.instanceId,
  );
  if (pending) throw new RoomError("conflict", `a link of instance ${params.instanceId} is already waiting for approval`, { instanceId: params.instanceId, approvalId: pending.approval_id });
  gatewayDialUrl(params.url, policy);
  const result = requestApproval(
    ctx,
    { title: `Link OpenClaw gateway "${params.name}"`, details: linkDetails(params.url), risk: "high", expiresInMs: INSTANCE_APPROVAL_TTL_MS, idempotencyKey: params.idempotencyKey },
    { kind: "instance", operation: "link", instanceId: params.instanceId, name: params.name },
  );
  ctx.sql.run(`delete from gateway_links where instance_id = ?`, params.instanceId);
  ctx.sql.run(
    `insert into gateway_links (instance_id, approval_id, url, token, linked, created_at) values (?, ?, ?, ?, 0, ?)`,
    params.instanceId,
    result.approval.id,
    params.url,
    params.token,
    ctx.now,
  );
  return result;
}

/** An approved link becomes the instance's: returns its address, or null if the request is gone. */
export function activateLink(sql: Sql, approvalId: string): GatewayLink | null {
  const row = sql.one<{ instance_id: string; url: string; token: string }>(`select instance_id, url, token from gateway_links where approval_id = ?`, approvalId);
  if (!row) return null;
  sql.run(`update gateway_links set linked = 1 where approval_id = ?`, approvalId);
  return { instanceId: row.instance_id, url: row.url, token: row.token };
}

/** The linked gateway of an instance (the bridge dials it), or null. */
export function gatewayLink(sql: Sql, instanceId: string): GatewayLink | null {
  const row = sql.one<{ url: string; token: string }>(`select url, token from gateway_links where instance_id = ? and linked = 1`, instanceId);
  return row ? { instanceId, url: row.url, token: row.token } : null;
}

/** A link request that was denied or expired: its token goes. */
export function dropLinkRequest(sql: Sql, approvalId: string): void {
  sql.run(`delete from gateway_links where approval_id = ? and linked = 0`, approvalId);
}

/** Unlinked: the token goes. */
export function dropLink(sql: Sql, instanceId: string): void {
  sql.run(`delete from gateway_links where instance_id = ?`, instanceId);
}
