// Channel changes asked for in the room (decision 38): each files an instance approval; what
// it will set waits in `channel_requests` until a person decides (instance-store's held
// requests). A bot token is in that row only: the approval's title and details say "a bot
// token (hidden)".
import { z } from "zod";
import type { Approval } from "../../../../../shared/protocol/approvals";
import {
  ChannelKind,
  channelRequestProblem,
  DM_POLICY_WORDS,
  type InstancesConfigureChannelParams,
  type InstancesDisconnectChannelParams,
  type InstancesLinkWhatsAppParams,
  type InstancesSetChannelAccessParams,
} from "../../../../../shared/protocol/channels";
import { CHANNEL_OPERATIONS, type InstanceOperation } from "../../../../../shared/protocol/instances";
import { isPerson } from "../../../../auth/current-access";
import type { OpContext } from "../../kernel/commit";
import { channelRequests } from "./tables";
import { RoomError } from "../../../../domain/errors";
import { heldJson, heldRequests } from "../instance-store";
import type { Sql } from "../../../../domain/sql";
import { ChannelAccess, ChannelSecret } from "./gateway";

/** A channel the room changes: the token ones, and WhatsApp (linked by QR). */
const RequestChannel = z.enum([...ChannelKind.options, "whatsapp"]);
export type RequestChannel = z.infer<typeof RequestChannel>;

const LABELS: Record<RequestChannel, string> = {
  telegram: "Telegram",
  discord: "Discord",
  slack: "Slack",
  whatsapp: "WhatsApp",
};

/** What an approved channel operation applies, read back from the room. */
const ChannelRequest = z.object({
  instanceId: z.string(),
  channel: RequestChannel,
  accountId: z.string(),
  secret: heldJson(ChannelSecret).nullable(),
  access: heldJson(ChannelAccess).nullable(),
});
export type ChannelRequest = z.infer<typeof ChannelRequest>;

/** The channels' held requests (`channel_requests`). */
export const heldChannelRequests = heldRequests(channelRequests, {
  kind: "channel",
  operations: CHANNEL_OPERATIONS,
  row: ChannelRequest,
  // One pending change per channel account: a second would race the first on the gateway's config.
  target: ({ channel, accountId }) => ({ channel: { channel, accountId } }),
  what: ({ channel }) => channel,
});

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
  return heldChannelRequests.file(
    ctx,
    { operation, idempotencyKey: p.idempotencyKey, title, details },
    {
      instanceId: p.instanceId,
      channel: p.channel,
      accountId: p.accountId,
      secret: row.secret ? JSON.stringify(row.secret) : null,
      access: row.access ? JSON.stringify(row.access) : null,
    },
  );
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
export const channelRequest = (sql: Sql, approvalId: string): ChannelRequest | null =>
  heldChannelRequests.read(sql, approvalId);

/** A deleted instance's pending channel changes go with it. */
export const dropChannelRequests = (sql: Sql, instanceId: string): void => heldChannelRequests.dropAll(sql, instanceId);
