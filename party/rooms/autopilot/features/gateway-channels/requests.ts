// Channel changes asked for in the room (decision 38): each files an instance approval; what
// it will set waits in `channel_requests` until a person decides (instance-store's held
// requests). A bot token is in that row only, sealed (channelSecrets): the approval's title and
// details say "a bot token (hidden)".
import { eq } from "drizzle-orm";
import { z } from "zod";
import { syncSealer } from "../../../../auth/seal";
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
import { askedIn, heldJson, heldRequests } from "../instance-store";
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

/** A held request as stored: its secret sealed (or, in a row from before, JSON). */
const StoredChannelRequest = z.object({
  instanceId: z.string(),
  channel: RequestChannel,
  accountId: z.string(),
  secret: z.string().nullable(),
  access: heldJson(ChannelAccess).nullable(),
});
type StoredChannelRequest = z.infer<typeof StoredChannelRequest>;
/** What an approved channel operation applies, read back from the room (its secret opened). */
export type ChannelRequest = Omit<StoredChannelRequest, "secret"> & { secret: ChannelSecret | null };

/** A sealed secret is stored with this mark; one without it is JSON from before secrets were sealed. */
const SEALED = "sealed:";
const legacySecret = heldJson(ChannelSecret);

/** Whose secret it is: the channel account a request is for. */
type SecretOwner = { instanceId: string; channel: string; accountId: string };

/** Waiting channel tokens at rest: sealed in a request's transaction, opened only to apply it. */
export interface ChannelSecrets {
  seal(request: SecretOwner, secret: ChannelSecret): string;
  /** The secret, or null when it does not open or is not of its shape (the request then reads as gone). */
  open(request: SecretOwner, stored: string): ChannelSecret | null;
}

/**
 * Sealed under the Worker's BETTER_AUTH_SECRET with their own purpose (party/auth/seal.ts, its
 * synchronous form: the request's transaction cannot wait), bound to the workspace and the
 * channel account the request is for (one waits per account).
 */
export function channelSecrets(secret: string, workspaceId: string): ChannelSecrets {
  const sealing = () => syncSealer(secret, "channel-request-secret");
  const boundTo = (r: SecretOwner) =>
    `${workspaceId}\n${r.instanceId}\n${r.channel}\n${r.accountId}\nchannel request secret`;
  return {
    seal: (request, value) =>
      `${SEALED}${sealing().seal(new TextEncoder().encode(JSON.stringify(value)), boundTo(request))}`,
    open: (request, stored) => {
      if (!stored.startsWith(SEALED)) {
        const legacy = legacySecret.safeParse(stored);
        return legacy.success ? legacy.data : null;
      }
      try {
        const opened = new TextDecoder().decode(sealing().open(stored.slice(SEALED.length), boundTo(request)));
        const parsed = ChannelSecret.safeParse(JSON.parse(opened));
        return parsed.success ? parsed.data : null;
      } catch {
        return null;
      }
    },
  };
}

/** Seals the secrets of requests written before secrets were sealed (run at the room's start). */
export function sealPlainChannelSecrets(sql: Sql, secrets: ChannelSecrets): void {
  const rows = sql.db.select().from(channelRequests).all();
  for (const row of rows) {
    if (row.secret === null || row.secret.startsWith(SEALED)) continue;
    const secret = secrets.open(row, row.secret);
    // A row not of its shape stays as it is: it reads as gone and goes with its decision.
    if (!secret) continue;
    sql.db
      .update(channelRequests)
      .set({ secret: secrets.seal(row, secret) })
      .where(eq(channelRequests.approvalId, row.approvalId))
      .run();
  }
}

/** The channels' held requests (`channel_requests`), as stored. */
export const heldChannelRequests = heldRequests(channelRequests, {
  kind: "channel",
  operations: CHANNEL_OPERATIONS,
  row: StoredChannelRequest,
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
  secrets?: ChannelSecrets,
  req?: { threadId?: string },
): { approval: Approval } {
  const problem = channelRequestProblem({
    channel: p.channel,
    ...(row.secret ? { botToken: row.secret.botToken, appToken: row.secret.appToken } : {}),
    ...row.access,
  });
  if (problem) throw new RoomError("bad_request", problem);
  return heldChannelRequests.file(
    ctx,
    { operation, idempotencyKey: p.idempotencyKey, title, details, ...askedIn(req) },
    {
      instanceId: p.instanceId,
      channel: p.channel,
      accountId: p.accountId,
      secret: row.secret ? sealed(secrets, p, row.secret) : null,
      access: row.access ? JSON.stringify(row.access) : null,
    },
  );
}

/** A secret is only ever stored sealed: a request that holds one must come with the sealer. */
function sealed(
  secrets: ChannelSecrets | undefined,
  p: { instanceId: string; channel: RequestChannel; accountId: string },
  secret: ChannelSecret,
): string {
  if (!secrets) throw new Error("a channel secret must be sealed");
  return secrets.seal(p, secret);
}

const account = (accountId: string) => (accountId === "default" ? "" : ` (account ${accountId})`);

export function requestConfigureChannel(
  ctx: OpContext,
  p: z.output<typeof InstancesConfigureChannelParams>,
  secrets: ChannelSecrets,
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
  return file(
    ctx,
    "configureChannel",
    p,
    `Connect ${label}${account(p.accountId)}`,
    details,
    { secret: { botToken: p.botToken, ...(p.appToken ? { appToken: p.appToken } : {}) } },
    secrets,
  );
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
  req?: { threadId?: string },
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
    undefined,
    req,
  );
}

export function requestChannelAccess(
  ctx: OpContext,
  p: z.output<typeof InstancesSetChannelAccessParams>,
  req?: { threadId?: string },
): { approval: Approval } {
  const label = LABELS[p.channel];
  const list = p.allowFrom.length > 0 ? p.allowFrom.join(", ") : "(none)";
  const details = `DMs on ${label}: ${p.dmPolicy} — ${DM_POLICY_WORDS[p.dmPolicy]}.\nAllowed senders: ${list}`;
  const access = { dmPolicy: p.dmPolicy, allowFrom: p.allowFrom };
  const title = `Set who may message on ${label}`;
  return file(ctx, "channelAccess", { ...p, accountId: "default" }, title, details, { access }, undefined, req);
}

/** What an approved channel operation applies (its secret opened), or null when its request is gone. */
export function channelRequest(sql: Sql, approvalId: string, secrets: ChannelSecrets): ChannelRequest | null {
  const stored = heldChannelRequests.read(sql, approvalId);
  if (!stored) return null;
  if (stored.secret === null) return { ...stored, secret: null };
  const secret = secrets.open(stored, stored.secret);
  return secret ? { ...stored, secret } : null;
}

/** A deleted instance's pending channel changes go with it. */
export const dropChannelRequests = (sql: Sql, instanceId: string): void => heldChannelRequests.dropAll(sql, instanceId);
