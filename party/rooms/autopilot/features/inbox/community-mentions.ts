import { desc, eq, inArray, or } from "drizzle-orm";
import { communityMentions } from "./tables";
import type { Sql } from "../../../../domain/sql";
import { param, preparedPerRoom } from "../../../../domain/db/client";
import { noteInFold } from "./mention-folds";

/**
 * Posts of the workspace's community that name a person, as their inbox shows them
 * (features/community/ notes them, features/inbox/ derives the items). A post that is hidden
 * or deleted takes its mentions with it.
 */

export type CommunityMention = typeof communityMentions.$inferSelect;

/** A post to note: who it names, who wrote it, what it says. */
export type NewCommunityMention = Pick<
  CommunityMention,
  "principalId" | "eventId" | "at" | "author" | "authorId" | "authorKey" | "text"
>;

/** Mentions kept per person: the inbox shows the newest 100 items at most. */
const KEPT = 200;

/**
 * Notes a post naming a person. Within MENTION_FOLD_MS of the first post its author (the
 * same person or agent, else the same pubkey) wrote naming them, it folds into that one's
 * row: counted, showing the newest, unread again.
 */
export function noteCommunityMention(sql: Sql, mention: NewCommunityMention): void {
  noteInFold(
    sql,
    communityMentions,
    { author: communityMentions.authorKey, key: communityMentions.eventId },
    { principalId: mention.principalId, author: mention.authorKey, key: mention.eventId, at: mention.at },
    {
      newest: { lastEventId: mention.eventId, author: mention.author, text: mention.text },
      row: { ...mention, firstAt: mention.at },
      item: (fold) => `community:${fold}`,
      kept: KEPT,
    },
  );
}

// Read by every derivation of an inbox: prepared once per room.
const communityMentionReads = preparedPerRoom((db) =>
  db
    .select()
    .from(communityMentions)
    .where(eq(communityMentions.principalId, param("principalId")))
    .orderBy(desc(communityMentions.at))
    .limit(param("limit"))
    .prepare(),
);

export function communityMentionsOf(sql: Sql, principalId: string, limit: number): CommunityMention[] {
  return communityMentionReads(sql.db).all({ principalId, limit });
}

/** The posts went (hidden, deleted): their mentions go, a fold with its first or newest post; returns whose inboxes changed. */
export function forgetCommunityMentions(sql: Sql, eventIds: readonly string[]): string[] {
  const changed: string[] = [];
  // Each id is bound twice, and a Durable Object's SQLite binds at most 100 parameters.
  for (let i = 0; i < eventIds.length; i += 45) {
    const ids = eventIds.slice(i, i + 45);
    for (const row of sql.db
      .delete(communityMentions)
      .where(or(inArray(communityMentions.eventId, ids), inArray(communityMentions.lastEventId, ids)))
      .returning({ principalId: communityMentions.principalId })
      .all())
      changed.push(row.principalId);
  }
  return changed;
}
