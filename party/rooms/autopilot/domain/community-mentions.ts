import { and, desc, eq, inArray, lt } from "drizzle-orm";
import { communityMentions } from "../../../domain/db/schema";
import type { Sql } from "../../../domain/sql";

/**
 * Posts of the workspace's community that name a person, as their inbox shows them
 * (features/community/ notes them, features/inbox/ derives the items). A post that is hidden
 * or deleted takes its mentions with it.
 */

export type CommunityMention = typeof communityMentions.$inferSelect;

/** Mentions kept per person: the inbox shows the newest 100 items at most. */
const KEPT = 200;

export function noteCommunityMention(sql: Sql, mention: CommunityMention): void {
  sql.db.insert(communityMentions).values(mention).onConflictDoNothing().run();
  const oldestKept = sql.db
    .select({ at: communityMentions.at })
    .from(communityMentions)
    .where(eq(communityMentions.principalId, mention.principalId))
    .orderBy(desc(communityMentions.at))
    .limit(1)
    .offset(KEPT - 1)
    .get();
  if (oldestKept)
    sql.db
      .delete(communityMentions)
      .where(and(eq(communityMentions.principalId, mention.principalId), lt(communityMentions.at, oldestKept.at)))
      .run();
}

export function communityMentionsOf(sql: Sql, principalId: string, limit: number): CommunityMention[] {
  return sql.db
    .select()
    .from(communityMentions)
    .where(eq(communityMentions.principalId, principalId))
    .orderBy(desc(communityMentions.at))
    .limit(limit)
    .all();
}

/** The posts went (hidden, deleted): their mentions go; returns whose inboxes changed. */
export function forgetCommunityMentions(sql: Sql, eventIds: readonly string[]): string[] {
  if (eventIds.length === 0) return [];
  return sql.db
    .delete(communityMentions)
    .where(inArray(communityMentions.eventId, eventIds.slice(0, 90)))
    .returning({ principalId: communityMentions.principalId })
    .all()
    .map((row) => row.principalId);
}
