import { and, eq } from "drizzle-orm";
import { inboxReads } from "../../../../domain/db/schema";
import type { Sql } from "../../../../domain/sql";

/**
 * Mentions fold (docs/inbox.md): what one author writes naming one person within this long of
 * their first such mention is one inbox item, in threads (features/inbox/store.ts) and in the
 * workspace's community (community-mentions.ts) alike.
 */
export const MENTION_FOLD_MS = 10 * 60_000;

/** A fold took in a new mention: its item is unread again (under the same key, so it is not mailed or pushed twice). */
export function unreadAgain(sql: Sql, principalId: string, itemKey: string): void {
  sql.db
    .delete(inboxReads)
    .where(and(eq(inboxReads.principalId, principalId), eq(inboxReads.itemKey, itemKey)))
    .run();
}
