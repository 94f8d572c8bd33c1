import type { ChatPlatform } from "../../../../../shared/protocol/chats";
import type { PlatformApi } from "./platform";
import { slack } from "./slack";
import { telegram } from "./telegram";

declare module "../../kernel/feature" {
  /** A person pressing a button or writing in a chat: each platform is an entry, by its name. */
  interface RoomVias extends Record<ChatPlatform, true> {}
}

/**
 * The chat platforms the workspace can connect, by their names in the protocol: the only place
 * the chats feature lists them. Everything else reaches a platform through its object here.
 */
export const PLATFORMS: Readonly<Record<ChatPlatform, PlatformApi>> = { telegram, slack };

/** Every platform's proof headers: what the Worker passes on of a webhook request (party/api/chat-webhooks.ts). */
export const PROOF_HEADERS: readonly string[] = Object.values(PLATFORMS).flatMap((p) => p.proofHeaders);
