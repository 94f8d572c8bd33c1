import type { CommunityNews } from "../../../relay/notify";
import type { PlainEvent } from "../../../relay/messages";
import { knownAuthors } from "../../../../auth/nostr-attribution";
import { communityOf, relayOf } from "../../../relay/community/publish";
import {
  KIND_DELETION,
  KIND_NOTE,
  KIND_REACTION,
  KIND_REPORT,
  reactionTarget,
} from "../../../relay/community/templates";
import { forgetCommunityMentions, noteCommunityMention } from "../inbox/index";
import { mentionedPeople } from "./mentions";
import type { CommunityParts, CommunityService } from "./service";
import { postView } from "../../../relay/community/views";

const HEX64 = /^[0-9a-f]{64}$/;
/** `p` tags of one note looked at for mentions. */
const MAX_MENTIONED = 20;

/**
 * The people of this workspace a note names: its `p` tags that are a person's pubkey, and
 * `@Name` of someone the room knows (shared/mentions.ts); never its own author.
 */
async function mentionedIn(parts: CommunityParts, note: PlainEvent, authorId: string | null): Promise<string[]> {
  const tagged = [
    ...new Set(note.tags.filter((tag) => tag[0] === "p" && HEX64.test(tag[1] ?? "")).map((tag) => tag[1]!)),
  ].slice(0, MAX_MENTIONED);
  const people = new Set(mentionedPeople(parts.sql, note.content));
  if (tagged.length > 0)
    for (const author of (await knownAuthors(parts.env.DB, tagged)).values())
      if (author.role === "user" && author.principalId) people.add(author.principalId);
  if (authorId) people.delete(authorId);
  return [...people];
}

/**
 * News from a community's relay (party/rooms/relay/notify.ts) to this room's sockets, as
 * `community.event`: a note with its author, a reaction, what its author deleted, and for
 * owners and admins a new report. No client polls. A note of the workspace's community that
 * names someone here goes into their inbox; a deleted one leaves it.
 */
export async function tellNews(parts: CommunityParts, service: CommunityService, news: CommunityNews): Promise<void> {
  const { community } = news;
  const notes = news.events.filter((event) => event.kind === KIND_NOTE);
  const authors = await service.authors.views(notes.map((note) => note.pubkey));
  const inboxes = new Set<string>();
  for (const event of news.events) {
    if (event.kind === KIND_NOTE) {
      const post = postView(event, community, authors.get(event.pubkey)!);
      parts.tell({ type: "post", post });
      if (community !== "workspace") continue;
      const authorId = (await service.authors.known(event.pubkey))?.principalId ?? null;
      const people = await mentionedIn(parts, event, authorId);
      if (people.length === 0) continue;
      parts.commit(null, (ctx) => {
        for (const principalId of people)
          noteCommunityMention(ctx.sql, {
            principalId,
            eventId: event.id,
            at: event.created_at * 1000,
            author: post.author.line,
            authorId,
            authorKey: authorId ?? event.pubkey,
            text: post.text.slice(0, 500),
          });
      });
      for (const principalId of people) inboxes.add(principalId);
    } else if (event.kind === KIND_REACTION) {
      const eventId = reactionTarget(event);
      if (eventId && HEX64.test(eventId))
        parts.tell({
          type: "reaction",
          community,
          eventId,
          pubkey: event.pubkey,
          content: event.content.slice(0, 64) || "+",
        });
    } else if (event.kind === KIND_DELETION) {
      const named = event.tags
        .filter((tag) => tag[0] === "e" && HEX64.test(tag[1] ?? ""))
        .map((tag) => tag[1]!)
        .slice(0, 90);
      // Only what the relay removed: a deletion naming someone else's event removes nothing (NIP-09).
      const still = new Set(
        (await relayOf(parts.env, communityOf(community, parts.workspaceId())).events(named)).map((e) => e.id),
      );
      const eventIds = named.filter((id) => !still.has(id));
      if (eventIds.length === 0) continue;
      parts.tell({ type: "removed", community, eventIds, pubkey: null });
      if (community === "workspace")
        for (const principalId of parts.commit(null, (ctx) => forgetCommunityMentions(ctx.sql, eventIds)))
          inboxes.add(principalId);
    } else if (event.kind === KIND_REPORT && community === "workspace") parts.tell({ type: "moderation", community });
  }
  if (news.more) parts.tell({ type: "changed", community });
  if (inboxes.size > 0) parts.inboxChanged(inboxes);
}
