// An instance's channels through its gateway's own methods (decision 38): `channels.status`
// and `config.get` to read, `config.patch` + `channels.start` to connect, `channels.logout`
// + `channels.stop` to disconnect. Every answer is a remote value: validated leniently (the
// pinned gateway sends more than we read), bounded, and only the keys named here are taken
// from the config, which holds secrets (redacted by the gateway, but never forwarded).
import { z } from "zod";
import {
  type ChannelAccountStatus,
  ChannelKind,
  type ChannelStatus,
  DmPolicy,
} from "../../../../../shared/protocol/channels";
import { cutText } from "../../../../../shared/clip";
import { redactedTextField } from "./token-shapes";

/** What the channel calls need of the bridge's connection. */
export interface GatewayCaller {
  request(method: string, params?: Record<string, unknown>, timeoutMs?: number): Promise<unknown>;
}

/** The bot token(s) an approved configure applies; held in the room until then. */
export const ChannelSecret = z.object({ botToken: z.string(), appToken: z.string().optional() });
export type ChannelSecret = z.infer<typeof ChannelSecret>;

/** Who may message a channel, as an approved access change sets it. */
export const ChannelAccess = z.object({ dmPolicy: DmPolicy, allowFrom: z.array(z.string()) });
export type ChannelAccess = z.infer<typeof ChannelAccess>;

const MAX_CHANNELS = 50;
const MAX_ACCOUNTS = 50;
const MAX_ALLOW = 200;
const MAX_BINDINGS = 500;
/** The agent that owns a channel account the room connects (the gateway's default agent). */
const OWNER_AGENT = "main";
/** Bundled with the pinned gateway: listed even before it is configured (the gateway lists it only after). */
const BUNDLED = ["telegram"] as const;
const LABELS: Record<string, string> = { telegram: "Telegram", discord: "Discord", slack: "Slack" };

// Status is for every reader: token shapes go, escaped or not (token-shapes.ts).
const text = redactedTextField;
const flag = z.boolean().catch(false).default(false);
const Account = z.looseObject({
  accountId: z.string().min(1).max(64),
  configured: flag,
  enabled: z.boolean().catch(true).default(true),
  running: flag,
  connected: flag,
  tokenStatus: text(40),
  stateReason: text(200),
  lastError: text(500),
});
const Status = z.looseObject({
  channelOrder: z.array(z.string().max(64)).max(MAX_CHANNELS).catch([]).default([]),
  channelLabels: z.record(z.string(), z.unknown()).catch({}).default({}),
  channelAccounts: z.record(z.string(), z.array(z.unknown()).max(MAX_ACCOUNTS).catch([])).catch({}).default({}),
});
const ChannelConfig = z.looseObject({
  dmPolicy: DmPolicy.nullable().optional().catch(null),
  allowFrom: z.array(z.unknown()).max(10_000).optional().catch(undefined),
});
const ConfigSnapshot = z.looseObject({
  hash: z.string().min(1).max(500).optional().catch(undefined),
  // Redacted by the gateway; read for three keys only.
  config: z
    .looseObject({
      channels: z.record(z.string(), z.unknown()).optional().catch(undefined),
      bindings: z.array(z.unknown()).optional().catch(undefined),
    })
    .optional()
    .catch(undefined),
});

function accountOf(raw: unknown): ChannelAccountStatus | null {
  const row = Account.safeParse(raw);
  if (!row.success) return null;
  const a = row.data;
  return {
    accountId: a.accountId,
    configured: a.configured,
    enabled: a.enabled,
    running: a.running,
    connected: a.connected,
    tokenStatus: a.tokenStatus ?? null,
    stateReason: a.stateReason ?? null,
    lastError: a.lastError ?? null,
  };
}

function accessOf(raw: unknown): { dmPolicy: DmPolicy | null; allowFrom: string[] } {
  const config = ChannelConfig.safeParse(raw);
  if (!config.success) return { dmPolicy: null, allowFrom: [] };
  const allowFrom = (config.data.allowFrom ?? [])
    .map((entry) => (typeof entry === "number" ? String(entry) : entry))
    .filter((entry): entry is string => typeof entry === "string")
    .slice(0, MAX_ALLOW)
    .map((entry) => cutText(entry, 100));
  return { dmPolicy: config.data.dmPolicy ?? null, allowFrom };
}

async function configSnapshot(gateway: GatewayCaller): Promise<z.output<typeof ConfigSnapshot>> {
  const snapshot = ConfigSnapshot.safeParse(await gateway.request("config.get", {}));
  if (!snapshot.success) throw new Error("the gateway's config answer is not readable");
  return snapshot.data;
}

/** The gateway's channels (with Telegram, bundled, always listed), their accounts' status and DM access. */
export async function readChannels(gateway: GatewayCaller): Promise<ChannelStatus[]> {
  const [rawStatus, snapshot] = await Promise.all([gateway.request("channels.status", {}), configSnapshot(gateway)]);
  const status = Status.safeParse(rawStatus);
  if (!status.success) throw new Error("the gateway's channel status is not readable");
  const { channelOrder, channelLabels, channelAccounts } = status.data;
  const configs = snapshot.config?.channels ?? {};
  const ids = [...new Set([...BUNDLED, ...channelOrder])]
    .filter((id) => /^[a-z0-9_-]{1,64}$/.test(id))
    .slice(0, MAX_CHANNELS);
  return ids.map((channel) => {
    const label = channelLabels[channel];
    const accounts = (Object.hasOwn(channelAccounts, channel) ? (channelAccounts[channel] ?? []) : []).flatMap(
      (raw) => {
        const account = accountOf(raw);
        return account ? [account] : [];
      },
    );
    return {
      channel,
      label: typeof label === "string" && label.trim() ? cutText(label, 100) : (LABELS[channel] ?? channel),
      configurable: ChannelKind.safeParse(channel).success,
      accounts,
      ...accessOf(Object.hasOwn(configs, channel) ? configs[channel] : undefined),
    };
  });
}

/** Whether the gateway has a channel at all (Discord and Slack: once their plugin is installed). */
export async function hasChannel(gateway: GatewayCaller, channel: ChannelKind): Promise<boolean> {
  if ((BUNDLED as readonly string[]).includes(channel)) return true;
  const status = Status.safeParse(await gateway.request("channels.status", {}));
  return status.success && status.data.channelOrder.includes(channel);
}

/** The config keys of a channel account's tokens (the default account at the channel's top level). */
function tokenKeys(channel: ChannelKind, secret: ChannelSecret): Record<string, unknown> {
  switch (channel) {
    case "telegram":
      return { botToken: secret.botToken };
    case "discord":
      return { token: secret.botToken };
    case "slack":
      return { mode: "socket", botToken: secret.botToken, appToken: secret.appToken };
  }
}

const accountPatch = (accountId: string, keys: Record<string, unknown>): Record<string, unknown> =>
  accountId === "default"
    ? { enabled: true, ...keys }
    : { enabled: true, accounts: { [accountId]: { enabled: true, ...keys } } };

const isBinding = (raw: unknown, channel: string, accountId: string): boolean => {
  const b = raw as { agentId?: unknown; match?: { channel?: unknown; accountId?: unknown } } | null;
  return (
    typeof b === "object" &&
    b !== null &&
    b.match?.channel === channel &&
    (b.match?.accountId ?? "default") === accountId
  );
};

async function patch(
  gateway: GatewayCaller,
  hash: string | undefined,
  config: Record<string, unknown>,
  replacePaths?: string[],
): Promise<void> {
  await gateway.request("config.patch", {
    raw: JSON.stringify(config),
    ...(hash ? { baseHash: hash } : {}),
    ...(replacePaths ? { replacePaths } : {}),
  });
}

/**
 * Connects a channel account: its token(s) into the config, the account bound to the main
 * agent (an account without an owner is blocked), then started. Offline the start hands off
 * and the account stays configured but not connected.
 */
export async function configureChannel(
  gateway: GatewayCaller,
  channel: ChannelKind,
  accountId: string,
  secret: ChannelSecret,
): Promise<void> {
  if (!(await hasChannel(gateway, channel)))
    throw new Error(
      `this gateway has no ${LABELS[channel]} channel: it needs the @openclaw/${channel} plugin, installed from the npm registry`,
    );
  const snapshot = await configSnapshot(gateway);
  const bindings = snapshot.config?.bindings ?? [];
  // The whole list is written back: one cut short would drop the gateway's other bindings.
  if (bindings.length > MAX_BINDINGS)
    throw new Error(
      `the gateway has ${bindings.length} agent bindings, more than the ${MAX_BINDINGS} the room rewrites: bind this channel on the gateway itself`,
    );
  const bound = bindings.some((b) => isBinding(b, channel, accountId));
  await patch(gateway, snapshot.hash, {
    channels: { [channel]: accountPatch(accountId, tokenKeys(channel, secret)) },
    ...(bound ? {} : { bindings: [...bindings, { agentId: OWNER_AGENT, match: { channel, accountId } }] }),
  });
  await gateway.request("channels.start", { channel, accountId });
}

/** Disconnects a channel account: logged out (the gateway removes its token from the config), then stopped. */
export async function disconnectChannel(
  gateway: GatewayCaller,
  channel: ChannelKind | "whatsapp",
  accountId: string,
): Promise<void> {
  await gateway.request("channels.logout", { channel, accountId });
  try {
    await gateway.request("channels.stop", { channel, accountId });
  } catch {
    // Logged out is what counts: a channel that cannot reach its service may time out stopping.
  }
}

/** Sets who may DM the instance on a channel: the policy and the whole list (shrinking it needs replacePaths). */
export async function setChannelAccess(
  gateway: GatewayCaller,
  channel: ChannelKind,
  access: ChannelAccess,
): Promise<void> {
  const snapshot = await configSnapshot(gateway);
  await patch(
    gateway,
    snapshot.hash,
    { channels: { [channel]: { dmPolicy: access.dmPolicy, allowFrom: access.allowFrom } } },
    [`channels.${channel}.allowFrom`],
  );
}
