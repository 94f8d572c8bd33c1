// Gateways their users run elsewhere (`instances.link`): the request (gated like a
// provision) and the stored address and token. The token lives only in this table: it is
// in no approval, event, audit entry, idempotency result or log line, and is dropped when
// the link is denied, expires or is deleted.
import type { Approval } from "../../../../../shared/protocol/approvals";
import type { InstancesLinkParams } from "../../../../../shared/protocol/instance-links";
import { linkDetails } from "../../../../../shared/instance-texts";
import { approvalsTable as approvals, requestApproval } from "../approvals/index";
import type { OpContext } from "../../kernel/commit";
import { RoomError } from "../../../../domain/errors";
import { gatewayDialUrl, type LinkPolicy } from "./gateway-address";
import { getInstance, INSTANCE_APPROVAL_TTL_MS } from "./instances";
import { and, eq } from "drizzle-orm";
import { gatewayLinks } from "./tables";
import type { Sql } from "../../../../domain/sql";

export interface GatewayLink {
  instanceId: string;
  url: string;
  token: string;
}

/** Files the approval and keeps the address and token until a person decides. */
export function requestLink(ctx: OpContext, params: InstancesLinkParams, policy: LinkPolicy): { approval: Approval } {
  const existing = getInstance(ctx.sql, params.instanceId);
  if (existing && existing.status !== "stopped")
    throw new RoomError("conflict", `instance ${existing.id} already exists (${existing.status})`, {
      instanceId: existing.id,
    });
  const pending = ctx.sql.db
    .select({ approvalId: gatewayLinks.approvalId })
    .from(gatewayLinks)
    .innerJoin(approvals, eq(approvals.id, gatewayLinks.approvalId))
    .where(
      and(eq(gatewayLinks.instanceId, params.instanceId), eq(gatewayLinks.linked, 0), eq(approvals.status, "pending")),
    )
    .get();
  if (pending)
    throw new RoomError("conflict", `a link of instance ${params.instanceId} is already waiting for approval`, {
      instanceId: params.instanceId,
      approvalId: pending.approvalId,
    });
  gatewayDialUrl(params.url, policy);
  const result = requestApproval(
    ctx,
    {
      title: `Link OpenClaw gateway "${params.name}"`,
      details: linkDetails(params.url),
      risk: "high",
      idempotencyKey: params.idempotencyKey,
    },
    { kind: "instance", operation: "link", instanceId: params.instanceId, name: params.name },
    INSTANCE_APPROVAL_TTL_MS,
  );
  ctx.sql.db.delete(gatewayLinks).where(eq(gatewayLinks.instanceId, params.instanceId)).run();
  ctx.sql.db
    .insert(gatewayLinks)
    .values({
      instanceId: params.instanceId,
      approvalId: result.approval.id,
      url: params.url,
      token: params.token,
      linked: 0,
      createdAt: ctx.now,
    })
    .run();
  return result;
}

/** An approved link becomes the instance's: returns its address, or null if the request is gone. */
export function activateLink(sql: Sql, approvalId: string): GatewayLink | null {
  const row = sql.db
    .select({ instanceId: gatewayLinks.instanceId, url: gatewayLinks.url, token: gatewayLinks.token })
    .from(gatewayLinks)
    .where(eq(gatewayLinks.approvalId, approvalId))
    .get();
  if (!row) return null;
  sql.db.update(gatewayLinks).set({ linked: 1 }).where(eq(gatewayLinks.approvalId, approvalId)).run();
  return row;
}

/** The linked gateway of an instance (the bridge dials it), or null. */
export function gatewayLink(sql: Sql, instanceId: string): GatewayLink | null {
  const row = sql.db
    .select({ url: gatewayLinks.url, token: gatewayLinks.token })
    .from(gatewayLinks)
    .where(and(eq(gatewayLinks.instanceId, instanceId), eq(gatewayLinks.linked, 1)))
    .get();
  return row ? { instanceId, url: row.url, token: row.token } : null;
}

/** A link request that was denied or expired: its token goes. */
export function dropLinkRequest(sql: Sql, approvalId: string): void {
  sql.db
    .delete(gatewayLinks)
    .where(and(eq(gatewayLinks.approvalId, approvalId), eq(gatewayLinks.linked, 0)))
    .run();
}

/** Unlinked: the token goes. */
export function dropLink(sql: Sql, instanceId: string): void {
  sql.db.delete(gatewayLinks).where(eq(gatewayLinks.instanceId, instanceId)).run();
}
