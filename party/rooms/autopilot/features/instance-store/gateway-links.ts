// Gateways their users run elsewhere (`instances.link`): the request (gated like a
// provision) and the stored address and token. The token lives only in this table, sealed
// (linkTokens): it is in no approval, event, audit entry, idempotency result or log line, is
// opened only to dial the gateway, and is dropped when the link is denied, expires or is deleted.
import type { Approval } from "../../../../../shared/protocol/approvals";
import type { InstancesLinkParams } from "../../../../../shared/protocol/instance-links";
import { linkDetails } from "../../../../../shared/instance-texts";
import { approvalsTable as approvals, requestApproval } from "../approvals/index";
import type { OpContext } from "../../kernel/commit";
import { RoomError } from "../../../../domain/errors";
import { gatewayDialUrl, type LinkPolicy } from "./gateway-address";
import { getInstance, INSTANCE_APPROVAL_TTL_MS } from "./instances";
import { and, eq, not, like } from "drizzle-orm";
import { syncSealer } from "../../../../auth/seal";
import { gatewayLinks } from "./tables";
import type { Sql } from "../../../../domain/sql";

export interface GatewayLink {
  instanceId: string;
  url: string;
  /** The gateway's token, opened when the bridge dials (it is sealed at rest). */
  token(): string;
}

/** A sealed token is stored with this mark; one without it was written before tokens were sealed. */
const SEALED = "sealed:";

/** Linked gateways' tokens at rest: seal one for an instance, open what is stored. */
export interface LinkTokens {
  seal(instanceId: string, token: string): string;
  /** Throws for a token sealed for another workspace or instance. */
  open(instanceId: string, stored: string): string;
}

/**
 * Sealed under the Worker's BETTER_AUTH_SECRET with their own purpose (party/auth/seal.ts, its
 * synchronous form: the request's transaction cannot wait), bound to the workspace and
 * instance: a sealed token copied to another row does not open.
 */
export function linkTokens(secret: string, workspaceId: string): LinkTokens {
  const sealing = () => syncSealer(secret, "gateway-link-token");
  const boundTo = (instanceId: string) => `${workspaceId}\n${instanceId}\nlinked gateway token`;
  return {
    seal: (instanceId, token) => `${SEALED}${sealing().seal(new TextEncoder().encode(token), boundTo(instanceId))}`,
    // A row from before tokens were sealed reads as it is (sealPlainLinks seals it at the room's start).
    open: (instanceId, stored) =>
      stored.startsWith(SEALED)
        ? new TextDecoder().decode(sealing().open(stored.slice(SEALED.length), boundTo(instanceId)))
        : stored,
  };
}

/** Seals the tokens of rows written before tokens were sealed (run at the room's start). */
export function sealPlainLinks(sql: Sql, tokens: LinkTokens): void {
  const plain = sql.db
    .select({ instanceId: gatewayLinks.instanceId, token: gatewayLinks.token })
    .from(gatewayLinks)
    .where(not(like(gatewayLinks.token, `${SEALED}%`)))
    .all();
  for (const row of plain)
    sql.db
      .update(gatewayLinks)
      .set({ token: tokens.seal(row.instanceId, row.token) })
      .where(eq(gatewayLinks.instanceId, row.instanceId))
      .run();
}

/** Files the approval and keeps the address and the token (sealed) until a person decides. */
export function requestLink(
  ctx: OpContext,
  params: InstancesLinkParams,
  policy: LinkPolicy,
  tokens: LinkTokens,
): { approval: Approval } {
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
      token: tokens.seal(params.instanceId, params.token),
      linked: 0,
      createdAt: ctx.now,
    })
    .run();
  return result;
}

/** An approved link becomes the instance's: returns its address, or null if the request is gone. */
export function activateLink(sql: Sql, approvalId: string): { instanceId: string; url: string } | null {
  const row = sql.db
    .select({ instanceId: gatewayLinks.instanceId, url: gatewayLinks.url })
    .from(gatewayLinks)
    .where(eq(gatewayLinks.approvalId, approvalId))
    .get();
  if (!row) return null;
  sql.db.update(gatewayLinks).set({ linked: 1 }).where(eq(gatewayLinks.approvalId, approvalId)).run();
  return row;
}

/** The linked gateway of an instance (the bridge dials it), or null. */
export function gatewayLink(sql: Sql, instanceId: string, tokens: LinkTokens): GatewayLink | null {
  const row = sql.db
    .select({ url: gatewayLinks.url, token: gatewayLinks.token })
    .from(gatewayLinks)
    .where(and(eq(gatewayLinks.instanceId, instanceId), eq(gatewayLinks.linked, 1)))
    .get();
  return row ? { instanceId, url: row.url, token: () => tokens.open(instanceId, row.token) } : null;
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
