import type { ChatPlatform } from "../../../../../shared/protocol/chats";
import { sealer } from "../../../../auth/seal";
import type { RoomServices } from "../../kernel/services";
import type { ChatOutbox } from "./outbox";
import type { PlatformApi } from "./platform";
import { platformOf, type Platforms } from "./platforms";
import type { Connection } from "./store";

/**
 * What the chats feature's parts share: the room's services, the connected bot's secrets
 * (sealed in the room under CHATS_SECRET, else a key derived from BETTER_AUTH_SECRET, and
 * bound to their workspace, bot and purpose), the platforms' API addresses, the outbox, and
 * the news that the chats changed for whoever is connected.
 */
export interface ChatParts {
  readonly s: RoomServices;
  readonly outbox: ChatOutbox;
  /** A platform by its name, as the features offer them (platforms.ts). */
  platform(name: ChatPlatform): PlatformApi;
  tokenOf(connection: Connection): Promise<string>;
  signingSecretOf(connection: Connection): Promise<string | null>;
  seal(value: string, bot: Pick<Connection, "platform" | "botId">, what: "token" | "signing secret"): Promise<string>;
  /** A platform's API address from the environment (stand-ins in tests), the platform's own when unset. */
  apiBase(platform: ChatPlatform): string | undefined;
  changed(): void;
}

export function botSecrets(
  s: RoomServices,
  platforms: Platforms,
): Pick<ChatParts, "tokenOf" | "signingSecretOf" | "seal" | "apiBase" | "platform"> {
  const sealing = () => sealer(s.env.CHATS_SECRET || s.env.BETTER_AUTH_SECRET, "chat-bot-token");
  const boundTo = (c: Pick<Connection, "platform" | "botId">, what: string) =>
    `${s.workspaceId()}\n${c.platform}\n${c.botId}\n${what}`;
  const open = async (c: Connection, sealed: string, what: string) =>
    new TextDecoder().decode(await sealing().open(sealed, boundTo(c, what)));
  return {
    tokenOf: (c) => open(c, c.sealedToken, "token"),
    signingSecretOf: async (c) => (c.sealedSigningSecret ? open(c, c.sealedSigningSecret, "signing secret") : null),
    seal: (value, bot, what) => sealing().seal(new TextEncoder().encode(value), boundTo(bot, what)),
    platform: (name) => platformOf(platforms, name),
    apiBase: (platform) => platformOf(platforms, platform).apiBase(s.env),
  };
}

/** The scopes a linked person is asked about: D1 answers with those their role gives them now. */
export const ALL_SCOPES = ["read", "write", "approve", "admin"] as const;
