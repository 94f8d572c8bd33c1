import type { ChatPlatform } from "../../../../../shared/protocol/chats";
import { RoomError } from "../../../../domain/errors";
import type { Offered } from "../../kernel/feature";
import type { PlatformApi } from "./platform";

declare module "../../kernel/feature" {
  /** A person pressing a button or writing in a chat: each platform is an entry, by its name. */
  interface RoomVias extends Record<ChatPlatform, true> {}
  /**
   * The chat platforms a feature brings (its strategy objects): the chats feature gathers
   * them, so a platform may live in a feature folder of its own (features/list.ts installs it).
   */
  interface FeatureOffers {
    chatPlatforms: readonly PlatformApi[];
  }
}

/** The chat platforms the installed features offer, by their names in the protocol. */
export type Platforms = Readonly<Partial<Record<ChatPlatform, PlatformApi>>>;

/**
 * The platforms the features offer: the only list of them the chats feature and the Worker
 * read. A name offered twice is a wiring mistake the room refuses to start with.
 */
export function gatherPlatforms(offered: Offered): Platforms {
  const found: Partial<Record<ChatPlatform, PlatformApi>> = {};
  for (const api of offered("chatPlatforms").flat()) {
    if (found[api.name]) throw new Error(`two features offer the chat platform ${api.name}`);
    found[api.name] = api;
  }
  return found;
}

/** A platform by its name; one the protocol knows but no installed feature offers is refused. */
export function platformOf(platforms: Platforms, name: ChatPlatform): PlatformApi {
  const api = platforms[name];
  if (!api) throw new RoomError("bad_request", `this server does not offer the chat platform ${name}`);
  return api;
}

/** Every platform's proof headers: what the Worker passes on of a webhook request (webhook-route.ts). */
export const proofHeadersOf = (platforms: Platforms): string[] =>
  Object.values(platforms).flatMap((p) => p.proofHeaders);
