// Protocol 8: an OpenClaw instance's chat channels (Telegram; Discord and Slack where the
// gateway has their plugin), read and changed through the gateway's own methods. Every change
// is an instance approval; a bot token goes to the room once and never comes back out.
import { z } from "zod";
import { mutatingParams, Timestamp } from "./common";
import { InstanceId } from "./instances";

/** The channels the product configures with bot tokens. */
export const ChannelKind = z.enum(["telegram", "discord", "slack"]);
export type ChannelKind = z.infer<typeof ChannelKind>;

/** A channel account's id as the gateway names it (`default` unless given). */
export const ChannelAccountId = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, "lower-case letters, digits, '-' and '_', 1-64 characters");

/** Who may DM the instance's bot: `pairing` (unknown senders ask first), `allowlist`, `open` (anyone) or `disabled`. */
export const DmPolicy = z.enum(["pairing", "allowlist", "open", "disabled"]);
export type DmPolicy = z.infer<typeof DmPolicy>;

/** Who may talk to the instance under each DM policy, in words (the approvals' details and the channels panel). */
export const DM_POLICY_WORDS: Record<DmPolicy, string> = {
  pairing: "unknown senders ask first (each request is an approval here)",
  allowlist: "only the senders listed",
  open: "anyone",
  disabled: "nobody (DMs are ignored)",
};

/** A DM sender the channel lets in: a numeric id, a @username, or `*` (everyone, for `open`). */
export const AllowFromEntry = z
  .string()
  .trim()
  .regex(/^(\*|@?[A-Za-z0-9_.:+-]{1,100})$/, "a sender id, a @username or *");
export const AllowFrom = z.array(AllowFromEntry).max(200);

/** A bot token: printable, no whitespace; what the channel's service issued. */
const Token = z
  .string()
  .trim()
  .regex(/^[\x21-\x7e]{10,500}$/, "a bot token as its service issued it");

export const InstancesChannelsParams = z.object({ instanceId: InstanceId });

/** One account of a channel as the gateway reports it (never its token: only whether it has one). */
export const ChannelAccountStatus = z.object({
  accountId: z.string().max(64),
  configured: z.boolean(),
  enabled: z.boolean(),
  running: z.boolean(),
  connected: z.boolean(),
  /** e.g. `available`, `missing`: the gateway's word for the token's state. */
  tokenStatus: z.string().max(40).nullable(),
  /** Why it is in the state it is in, e.g. `not configured`. */
  stateReason: z.string().max(200).nullable(),
  lastError: z.string().max(500).nullable(),
});
export type ChannelAccountStatus = z.infer<typeof ChannelAccountStatus>;

export const ChannelStatus = z.object({
  /** The gateway's channel id (telegram, discord, slack, whatsapp, …). */
  channel: z.string().max(64),
  label: z.string().max(100),
  /** Whether the product configures it with a token (ChannelKind). */
  configurable: z.boolean(),
  accounts: z.array(ChannelAccountStatus).max(50),
  /** The DM policy in the gateway's config; null when unset (the gateway's default is `pairing`). */
  dmPolicy: DmPolicy.nullable(),
  allowFrom: z.array(z.string().max(100)).max(200),
});
export type ChannelStatus = z.infer<typeof ChannelStatus>;

export const InstancesChannelsResult = z.object({
  /** The channels the gateway has (bundled, or installed as plugins), in its order. */
  channels: z.array(ChannelStatus).max(50),
});

/** Asks to connect a channel with a bot token (Slack: and its app token, socket mode; checked by channelRequestProblem). */
export const InstancesConfigureChannelParams = mutatingParams({
  instanceId: InstanceId,
  channel: ChannelKind,
  accountId: ChannelAccountId.default("default"),
  botToken: Token,
  appToken: Token.optional(),
});

/** The channels the product disconnects: the token ones, and WhatsApp (linked by QR, not by a token). */
export const DisconnectableChannel = z.enum([...ChannelKind.options, "whatsapp"]);

/** Asks to log a channel account out (its token, or WhatsApp's linked session, is removed from the gateway) and stop it. */
export const InstancesDisconnectChannelParams = mutatingParams({
  instanceId: InstanceId,
  channel: DisconnectableChannel,
  accountId: ChannelAccountId.default("default"),
});

/** Asks to set who may DM the instance on a channel (checked by channelRequestProblem). */
export const InstancesSetChannelAccessParams = mutatingParams({
  instanceId: InstanceId,
  channel: ChannelKind,
  dmPolicy: DmPolicy,
  allowFrom: AllowFrom.default([]),
});

// --- WhatsApp, linked by QR (protocol 19, new methods) ------------------------------------

/** The largest QR image the room passes on: a WhatsApp QR as a PNG is a few kilobytes. */
export const MAX_QR_DATA_URL_CHARS = 64 * 1024;
const QR_DATA_URL = /^data:image\/png;base64,[A-Za-z0-9+/]+={0,2}$/;

/**
 * Whether a gateway's QR is one the app may show as an image: a base64 PNG data URL of
 * bounded size, nothing else (no other image type, no URL to fetch, no markup).
 */
export function isQrDataUrl(value: unknown): value is string {
  return typeof value === "string" && value.length <= MAX_QR_DATA_URL_CHARS && QR_DATA_URL.test(value);
}

/** Asks to link the instance's WhatsApp by QR (an instance approval; the gateway's `web.login.start` once approved). */
export const InstancesLinkWhatsAppParams = mutatingParams({
  instanceId: InstanceId,
  accountId: ChannelAccountId.default("default"),
});

export const InstancesWhatsAppLoginParams = z.object({ instanceId: InstanceId });

/**
 * Where a WhatsApp link stands: `idle` (none started since the room's link to the gateway
 * opened, or the last one was cancelled), `starting` (asking the gateway for a QR), `scan`
 * (a QR to scan with the phone; it is replaced as the gateway sends new ones), `linked`,
 * `failed` (`message` says why), `expired` (nobody scanned in time; capability
 * `instances.whatsapp-live`: `failed` for a socket that did not ask for it).
 */
export const WhatsAppLoginState = z.enum(["idle", "starting", "scan", "linked", "failed", "expired"]);
export type WhatsAppLoginState = z.infer<typeof WhatsAppLoginState>;

export const WhatsAppLogin = z.object({
  accountId: z.string().max(64),
  state: WhatsAppLoginState,
  /** While `scan`: the QR, a base64 PNG data URL (isQrDataUrl). */
  qrDataUrl: z.string().max(MAX_QR_DATA_URL_CHARS).nullable(),
  /** The gateway's words, or the room's when it failed. */
  message: z.string().max(500).nullable(),
  updatedAt: Timestamp.nullable(),
});
export type WhatsAppLogin = z.infer<typeof WhatsAppLogin>;

export const InstancesWhatsAppLoginResult = z.object({ login: WhatsAppLogin });

/** Stops a WhatsApp link under way (the app's dialog closed): its QR is gone, the link reads `idle`. */
export const InstancesCancelWhatsAppLoginParams = mutatingParams({ instanceId: InstanceId });

/**
 * Capability `instances.whatsapp-live`: a WhatsApp link's state pushed as it changes, QR and all
 * (to the sockets that may see the QR: people who may link it; every other reader gets it
 * without), so nothing is read again on a timer; and the `expired` state.
 */
export const InstanceWhatsAppLoginPayload = z.object({ instanceId: InstanceId, login: WhatsAppLogin });

type LoginResult = z.output<typeof InstancesWhatsAppLoginResult>;
/** A link's state as a socket without the capability knew them: `expired` was `failed`. */
const withoutExpired = ({ login, ...rest }: LoginResult): LoginResult => ({
  ...rest,
  login: login.state === "expired" ? { ...login, state: "failed" } : login,
});

export function whatsAppLiveCapability() {
  return {
    name: "instances.whatsapp-live",
    since: 19,
    summary:
      "an OpenClaw instance's WhatsApp link pushed as it changes (instance.whatsAppLogin), and its expired state",
    // The login's methods are new in 19 as a whole (so is `expired` to the lock); a client of 19
    // built before this capability still gets `failed` for it.
    adds: ["events.instance.whatsAppLogin"],
    events: { "instance.whatsAppLogin": () => null },
    results: {
      "instances.whatsAppLogin": withoutExpired as (payload: never) => unknown,
      "instances.cancelWhatsAppLogin": withoutExpired as (payload: never) => unknown,
    },
  };
}

/**
 * What is wrong with a channel request beyond its shape (kept out of the schemas, which the
 * Autopilot's tools derive their inputs from), or null: Slack takes an app token and only
 * Slack does; `open` needs `*` in the list, as the gateway does; an allowlist needs a sender.
 */
export function channelRequestProblem(p: {
  channel: ChannelKind | "whatsapp";
  appToken?: string | undefined;
  dmPolicy?: DmPolicy;
  allowFrom?: string[];
}): string | null {
  if ("appToken" in p || "botToken" in p) {
    if (p.channel === "slack" && p.appToken === undefined) return "Slack needs its app token (xapp-…) too";
    if (p.channel !== "slack" && p.appToken !== undefined) return "only Slack takes an app token";
  }
  if (p.dmPolicy !== undefined) {
    const list = p.allowFrom ?? [];
    if (p.dmPolicy === "open" && !list.includes("*")) return "an open DM policy needs * in allowFrom";
    if (p.dmPolicy === "allowlist" && list.length === 0) return "an allowlist needs at least one sender";
    if (new Set(list).size !== list.length) return "a sender is listed twice";
  }
  return null;
}
