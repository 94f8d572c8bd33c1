// Channel changes asked for in the room (decision 38): each files an instance approval; what
// it will set waits in `channel_requests` until a person decides. A bot token is in that row
// only: never in the approval (its title and details say "a bot token (hidden)"), an event,
// the audit log, a job or a log line; the row goes when the operation ran or the approval was
// denied or expired.
import { eq } from "drizzle-orm";
import type { z } from "zod";
import type { Approval } from "../../../../../shared/protocol/approvals";
import {
  type ChannelKind,
  channelRequestProblem,
  DM_POLICY_WORDS,
  type InstancesConfigureChannelParams,
  type InstancesDisconnectChannelParams,
  type InstancesLinkWhatsAppParams,
  type InstancesSetChannelAccessParams,
} from "../../../../../shared/protocol/channels";
import { CHANNEL_OPERATIONS, type InstanceOperation } from "../../../../../shared/protocol/instances";
import { isPerson } from "../../../../auth/current-access";
import { pendingInstanceApprovals, requestApproval } from "../approvals/index";
import type { OpContext } from "../../kernel/commit";
import { channelRequests } from "./tables";
import { RoomError } from "../../../../domain/errors";
import { INSTANCE_APPROVAL_TTL_MS, refuseBusy, requireInstance } from "../instance-store";
import type { Sql } from "../../../../domain/sql";
import type { ChannelAccess, ChannelSecret } from "./gateway";

/** A channel the room changes: the token ones, and WhatsApp (linked by QR). */
export type RequestChannel = ChannelKind | "whatsapp";

const LABELS: Record<RequestChannel, string> = {
  telegram: "Telegram",
  discord: "Discord",
  slack: "Slack",
  whatsapp: "WhatsApp",
};

/** What an approved channel operation applies, read back from the room. */
export interface ChannelRequest {
  instanceId: string;
  channel: RequestChannel;
  accountId: string;
  secret: ChannelSecret | null;
  access: ChannelAccess | null;
}

function liveInstance(ctx: OpContext, instanceId: string) {
  const existing = requireInstance(ctx.sql, instanceId);
  refuseBusy(existing);
  return existing;
}

/** One pending change per channel account: a second would race the first on the gateway's config. */
function refusePending(sql: Sql, instanceId: string, channel: string, accountId: string): void {
  const pending = pendingChannelApprovals(sql, instanceId).find(
    ({ action }) =>
      action?.kind === "instance" && action.channel?.channel === channel && action.channel.accountId === accountId,
  );
  if (pending)
    throw new RoomError("conflict", `a change of ${channel} on ${instanceId} is already waiting for approval`, {
      instanceId,
      approvalId: pending.id,
    });
}

function file(
  ctx: OpContext,
  operation: InstanceOperation,
  p: { instanceId: string; channel: RequestChannel; accountId: string; idempotencyKey: string },
  title: string,
  details: string,
  row: { secret?: ChannelSecret; access?: ChannelAccess },
): { approval: Approval } {
  const problem = channelRequestProblem({
    channel: p.channel,
    ...(row.secret ? { botToken: row.secret.botToken, appToken: row.secret.appToken } : {}),
    ...row.access,
  });
  if (problem) throw new RoomError("bad_request", problem);
  const instance = liveInstance(ctx, p.instanceId);
  refusePending(ctx.sql, p.instanceId, p.channel, p.accountId);
  const result = requestApproval(
    ctx,
    {
      title: `${title} on OpenClaw instance "${instance.name}"`.slice(0, 200),
      details,
      risk: "high",
      idempotencyKey: p.idempotencyKey,
    },
    {
      kind: "instance",
      operation,
      instanceId: p.instanceId,
      name: instance.name,
      channel: { channel: p.channel, accountId: p.accountId },
    },
    INSTANCE_APPROVAL_TTL_MS,
  );
  ctx.sql.db
    .insert(channelRequests)
    .values({
      approvalId: result.approval.id,
      instanceId: p.instanceId,
      channel: p.channel,
      accountId: p.accountId,
      secret: row.secret ? JSON.stringify(row.secret) : null,
      access: row.access ? JSON.stringify(row.access) : null,
      createdAt: ctx.now,
    })
    .run();
  return result;
}

const account = (accountId: string) => (accountId === "default" ? "" : ` (account ${accountId})`);

export function requestConfigureChannel(
  ctx: OpContext,
  p: z.output<typeof InstancesConfigureChannelParams>,
): { approval: Approval } {
  // A bot token lets whoever holds the bot speak with this instance from outside the
  // workspace: people hand one over (the approver sees no token), never an agent's key.
  if (!isPerson(ctx.actor))
    throw new RoomError("forbidden", "a person connects a channel: ask a workspace member to connect it in the app");
  const label = LABELS[p.channel];
  const tokens = p.appToken ? "a bot token and an app token (hidden)" : "a bot token (hidden)";
  const details = `Connects ${label}${account(p.accountId)} with ${tokens}: the gateway answers people who message the bot. Until you decide, the token is kept by the room only; it is removed when this is denied or expires.${
    p.channel === "telegram"
      ? " Telegram needs the gateway to reach the Bot API (api.telegram.org)."
      : ` ${label} needs the gateway to reach its service.`
  }`;
  return file(ctx, "configureChannel", p, `Connect ${label}${account(p.accountId)}`, details, {
    secret: { botToken: p.botToken, ...(p.appToken ? { appToken: p.appToken } : {}) },
  });
}

/**
 * A WhatsApp link: filed as a channel configure (no token: the phone that scans the QR is the
 * credential), run as the gateway's QR login once approved (whatsapp.ts).
 */
export function requestLinkWhatsApp(
  ctx: OpContext,
  p: z.output<typeof InstancesLinkWhatsAppParams>,
): { approval: Approval } {
  // Whoever scans the QR puts their WhatsApp account behind this instance: a person's act.
  if (!isPerson(ctx.actor))
    throw new RoomError("forbidden", "a person links WhatsApp: ask a workspace member to link it in the app");
  const details = `Links WhatsApp${account(p.accountId)} by QR code: once approved, the gateway shows a QR code in the app; whoever scans it with WhatsApp on their phone puts that WhatsApp account behind this instance, and the gateway answers people who message it (who may: the DM access settings). The gateway needs to reach WhatsApp, and its WhatsApp plugin.`;
  return file(
    ctx,
    "configureChannel",
    { ...p, channel: "whatsapp" },
    `Link WhatsApp${account(p.accountId)}`,
    details,
    {},
  );
}

export function requestDisconnectChannel(
  ctx: OpContext,
  p: z.output<typeof InstancesDisconnectChannelParams>,
): { approval: Approval } {
  const label = LABELS[p.channel];
  const what = p.channel === "whatsapp" ? "its linked WhatsApp session" : "its bot token";
  return file(
    ctx,
    "disconnectChannel",
    p,
    `Disconnect ${label}${account(p.accountId)}`,
    `Logs ${label}${account(p.accountId)} out: the gateway removes ${what} and stops it.`,
    {},
  );
}

export function requestChannelAccess(
  ctx: OpContext,
  p: z.output<typeof InstancesSetChannelAccessParams>,
): { approval: Approval } {
  const label = LABELS[p.channel];
  const list = p.allowFrom.length > 0 ? p.allowFrom.join(", ") : "(none)";
  const details = `DMs on ${label}: ${p.dmPolicy} — ${DM_POLICY_WORDS[p.dmPolicy]}.\nAllowed senders: ${list}`;
  return file(ctx, "channelAccess", { ...p, accountId: "default" }, `Set who may message on ${label}`, details, {
    access: { dmPolicy: p.dmPolicy, allowFrom: p.allowFrom },
  });
}

/** What an approved channel operation applies, or null when its request is gone. */
export function channelRequest(sql: Sql, approvalId: string): ChannelRequest | null {
  const row = sql.db.select().from(channelRequests).where(eq(channelRequests.approvalId, approvalId)).get();
  if (!row) return null;
  return {
    instanceId: row.instanceId,
    channel: row.channel as RequestChannel,
    accountId: row.accountId,
    secret: row.secret ? (JSON.parse(row.secret) as ChannelSecret) : null,
    access: row.access ? (JSON.parse(row.access) as ChannelAccess) : null,
  };
}

/** The request is done with (applied, failed, denied or expired): its token goes with it. */
export function dropChannelRequest(sql: Sql, approvalId: string): void {
  sql.db.delete(channelRequests).where(eq(channelRequests.approvalId, approvalId)).run();
}

/** The channel changes of an instance still waiting for a decision (their approvals' actions say so). */
export function pendingChannelApprovals(sql: Sql, instanceId: string): Approval[] {
  return pendingInstanceApprovals(sql, instanceId, CHANNEL_OPERATIONS);
}

/** A deleted instance's pending channel changes go with it. */
export function dropChannelRequests(sql: Sql, instanceId: string): void {
  sql.db.delete(channelRequests).where(eq(channelRequests.instanceId, instanceId)).run();
}
