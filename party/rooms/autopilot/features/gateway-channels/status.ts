// `instances.channels`: an instance's channels as its gateway reports them now (read scope).
// The answer is built from the gateway's status and three config keys per channel
// (party/rooms/autopilot/features/gateway-channels/gateway.ts): never a token, never the config itself.
import { z } from "zod";
import type { InstancesChannelsResult, WhatsAppLogin } from "../../../../../shared/protocol/channels";
import { RoomError } from "../../../../domain/errors";
import { gatewayNotConnected, requireInstance } from "../instance-store";
import type { Sql } from "../../../../domain/sql";
import { type GatewayCaller, readChannels } from "./gateway";
import { redactedText } from "./token-shapes";
import { mirrorChannels, startRead } from "./summary";
import type { Commit } from "../../kernel/commit";
import { cancelLogin, loginFor, whatsAppLogin } from "./whatsapp";
import type { Principal } from "../../../../../shared/protocol/principal";
import { isPerson } from "../../../../auth/current-access";

/** What a read of a live gateway needs of its bridge. */
export interface GatewayReader {
  readonly connected: boolean;
  readonly channels: GatewayCaller;
}

export interface ChannelsDeps {
  sql: Sql;
  bridge: GatewayReader | undefined;
  /** Mirrors what was read onto the instance's record (summary.ts). */
  commit?: Commit;
}

/**
 * A read of an instance's live gateway (its channels, its skills): refused while no bridge is
 * connected or the instance sleeps (in words that say so, and what wakes it); a gateway's failure is said as `unavailable`, its words to every reader with token
 * shapes out (token-shapes.ts).
 */
export async function readThroughGateway<T>(
  deps: ChannelsDeps,
  instanceId: string,
  what: string,
  read: (gateway: GatewayCaller) => Promise<T>,
): Promise<T> {
  const instance = requireInstance(deps.sql, instanceId);
  // Asleep in the room, its stop may be on its way: a read now would wait on a gateway going away.
  if (!deps.bridge?.connected || instance.sleep?.state === "asleep") throw gatewayNotConnected(instance);
  try {
    return await read(deps.bridge.channels);
  } catch (error) {
    if (error instanceof RoomError) throw error;
    throw new RoomError(
      "unavailable",
      `the gateway did not list its ${what}: ${redactedText(error instanceof Error ? error.message : String(error), 500)}`,
      { instanceId },
    );
  }
}

const ConfigRead = z.looseObject({
  hash: z.string().min(1).max(500),
  config: z.unknown().optional(),
  parsed: z.unknown().optional(),
});

/**
 * The gateway's config as `config.get` answers now: its hash (what a `config.patch` applies
 * against, so a change made meanwhile is refused) and its body (redacted by the gateway; a
 * remote value each caller reads a few keys of). A failure is `unavailable`, token shapes out.
 */
export async function readGatewayConfig(
  gateway: GatewayCaller,
  instanceId: string,
): Promise<{ hash: string; config: unknown }> {
  let answer: unknown;
  try {
    answer = await gateway.request("config.get", {});
  } catch (error) {
    throw new RoomError(
      "unavailable",
      `the gateway did not read its config: ${redactedText(error instanceof Error ? error.message : String(error), 500)}`,
      { instanceId },
    );
  }
  const read = ConfigRead.safeParse(answer);
  if (!read.success) throw new RoomError("unavailable", "the gateway's config is not readable", { instanceId });
  return { hash: read.data.hash, config: read.data.config ?? read.data.parsed };
}

/**
 * `instances.channels`: read from the gateway, and mirrored onto the instance's record when the
 * caller gives a commit (summary.ts); a read that started earlier never writes over a later one.
 */
export const instanceChannels = (
  deps: ChannelsDeps,
  instanceId: string,
): Promise<z.output<typeof InstancesChannelsResult>> =>
  readThroughGateway(deps, instanceId, "channels", async (gateway) => {
    const read = deps.commit ? startRead(deps.commit, instanceId) : 0;
    const channels = await readChannels(gateway);
    if (deps.commit) mirrorChannels(deps.commit, instanceId, channels, read);
    return { channels };
  });

/**
 * `instances.whatsAppLogin`: where the instance's WhatsApp link stands, with its QR while one
 * is shown to a person who may link WhatsApp (whatsapp.ts), without it to anyone else.
 */
export function instanceWhatsAppLogin(
  sql: Sql,
  bridge: object | undefined,
  instanceId: string,
  principal: Principal,
): { login: WhatsAppLogin } {
  requireInstance(sql, instanceId);
  return { login: loginFor(principal, whatsAppLogin(bridge)) };
}

/** `instances.cancelWhatsAppLogin`: a person stops the link under way (its QR goes at once). */
export function cancelWhatsAppLogin(
  sql: Sql,
  bridge: object | undefined,
  instanceId: string,
  principal: Principal,
  now: number,
): { login: WhatsAppLogin } {
  requireInstance(sql, instanceId);
  if (!isPerson(principal)) throw new RoomError("forbidden", "a person links WhatsApp, and stops a link, in the app");
  return { login: loginFor(principal, cancelLogin(bridge, now)) };
}
