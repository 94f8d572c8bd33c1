import { sealer } from "../../../../auth/seal";
import type { RoomServices } from "../../kernel/services";
import type { ChatOutbox } from "./outbox";
import type { Connection } from "./store";

/**
 * What the chats feature's parts share: the room's services, the connected bot's token (sealed
 * in the room under CHATS_SECRET, else a key derived from BETTER_AUTH_SECRET, and bound to its
 * workspace and bot), the platform's API address, the outbox, and the news that the chats
 * changed for whoever is connected.
 */
export interface ChatParts {
  readonly s: RoomServices;
  readonly outbox: ChatOutbox;
  tokenOf(connection: Connection): Promise<string>;
  sealToken(token: string, bot: Pick<Connection, "platform" | "botId">): Promise<string>;
  /** Telegram's Bot API (TELEGRAM_API_BASE: a stand-in in tests), Telegram's own when unset. */
  apiBase(): string | undefined;
  changed(): void;
}

export function botTokens(s: RoomServices): Pick<ChatParts, "tokenOf" | "sealToken" | "apiBase"> {
  const seal = () => sealer(s.env.CHATS_SECRET || s.env.BETTER_AUTH_SECRET, "chat-bot-token");
  const boundTo = (c: Pick<Connection, "platform" | "botId">) => `${s.workspaceId()}\n${c.platform}\n${c.botId}`;
  return {
    tokenOf: async (c) => new TextDecoder().decode(await seal().open(c.sealedToken, boundTo(c))),
    sealToken: (token, bot) => seal().seal(new TextEncoder().encode(token), boundTo(bot)),
    apiBase: () => s.env.TELEGRAM_API_BASE,
  };
}

export const clip = (text: string, max: number): string => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/** The scopes a linked person is asked about: D1 answers with those their role gives them now. */
export const ALL_SCOPES = ["read", "write", "approve", "admin"] as const;
