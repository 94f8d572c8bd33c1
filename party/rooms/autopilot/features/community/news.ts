import type { CommunityNews } from "../../../relay/notify";
import { KIND_NOTE, KIND_REACTION, KIND_REPORT } from "../../../../community/templates";
import type { CommunityParts, CommunityService } from "./service";
import { postView, reactionTarget } from "./views";

/** NIP-09's deletion. */
const KIND_DELETION = 5;

/**
 * News from a community's relay (party/rooms/relay/notify.ts) to this room's sockets, as
 * `community.event`: a note with its author, a reaction, what its author deleted, and for
 * owners and admins a new report. No client polls.
 */
export async function tellNews(parts: CommunityParts, service: CommunityService, news: CommunityNews): Promise<void> {
  const { community } = news;
  const notes = news.events.filter((event) => event.kind === KIND_NOTE);
  const authors = await service.authors.views(notes.map((note) => note.pubkey));
  for (const event of news.events) {
    if (event.kind === KIND_NOTE)
      parts.tell({ type: "post", post: postView(event, community, authors.get(event.pubkey)!) });
    else if (event.kind === KIND_REACTION) {
      const eventId = reactionTarget(event);
      if (eventId && /^[0-9a-f]{64}$/.test(eventId))
        parts.tell({
          type: "reaction",
          community,
          eventId,
          pubkey: event.pubkey,
          content: event.content.slice(0, 64) || "+",
        });
    } else if (event.kind === KIND_DELETION) {
      const eventIds = event.tags
        .filter((tag) => tag[0] === "e" && /^[0-9a-f]{64}$/.test(tag[1] ?? ""))
        .map((tag) => tag[1]!)
        .slice(0, 100);
      if (eventIds.length > 0) parts.tell({ type: "removed", community, eventIds, pubkey: null });
    } else if (event.kind === KIND_REPORT && community === "workspace") parts.tell({ type: "moderation", community });
  }
  if (news.more) parts.tell({ type: "changed", community });
}
