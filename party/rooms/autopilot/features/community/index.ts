import { RoomError } from "../../../../domain/errors";
import type { Feature } from "../../kernel/feature";
import { local, methods } from "../../kernel/handlers";
import type { CommunityNews } from "../../../relay/notify";
import { tellNews } from "./news";
import { type CommunityParts, CommunityService } from "./service";

export type { CommunityParts } from "./service";
export type { CommunityNews } from "../../../relay/notify";

/** The room's RPC for the relay: a community's news (party/rooms/relay/notify.ts). */
export interface CommunityRpc {
  communityNews(news: CommunityNews): Promise<void>;
}

/**
 * The communities over Nostr, through the room (docs/community.md): the feed, posting,
 * reactions and reports signed with the caller's custodial key, moderation of the
 * workspace's community by its owners and admins, and the relay's news told live to the
 * sockets that may read. Every method goes through the room's one entry, so the client
 * library, the CLI, MCP and the Autopilot's tools (shared/protocol/tool-policy.ts) get them.
 */
export function community(parts: CommunityParts): { feature: Feature; rpc: CommunityRpc } {
  const service = new CommunityService(parts);
  const feature: Feature = {
    name: "community",
    methods: methods({
      "community.feed": local((req, params) => service.feed(req.principal, params)),
      "community.post": local((req, params) => service.post(req.principal, params)),
      "community.react": local((req, params) => service.react(req.principal, params)),
      "community.report": local((req, params) => service.report(req.principal, params)),
      "community.moderate": local((req, params) => service.moderate(req.principal, params)),
      "community.queue": local(async (_req, params) => {
        if (params.community !== "workspace")
          throw new RoomError(
            "forbidden",
            "the public community is moderated by this server's operators, not a workspace",
          );
        return { moderation: await service.moderation() };
      }),
      "community.identity": local((req) => service.identity(req.principal)),
    }),
  };
  return { feature, rpc: { communityNews: (news) => tellNews(parts, service, news) } };
}
