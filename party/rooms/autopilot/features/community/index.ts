import { RoomError } from "../../../../domain/errors";
import { defineFeature } from "../../kernel/feature";
import { inbox } from "../inbox";
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
export const community = defineFeature({
  name: "community",
  needs: [inbox],
  build: (s, { inbox }) => {
    const parts: CommunityParts = {
      sql: s.sql,
      commit: s.commit,
      env: s.env,
      workspaceId: s.workspaceId,
      // News of a community: for every socket that may read; the moderation queue's for owners and admins only.
      tell: (payload) => s.toScope(payload.type === "moderation" ? "admin" : "read", "community.event", payload),
      inboxChanged: (principalIds) => inbox.refresh(principalIds),
    };
    const service = new CommunityService(parts);
    const rpc: CommunityRpc = { communityNews: (news) => tellNews(parts, service, news) };
    return {
      rpc,
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
  },
});
