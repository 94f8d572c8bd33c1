import { and, desc, eq, gte, sql as sqlText } from "drizzle-orm";
import type { AnySQLiteColumn, SQLiteInsertValue, SQLiteTable, SQLiteUpdateSetSource } from "drizzle-orm/sqlite-core";
import { inboxReads } from "./tables";
import type { Sql } from "../../../../domain/sql";
import { keepNewest } from "../../kernel/paging";

/**
 * Mentions fold (docs/inbox.md): what one author writes naming one person within this long of
 * their first such mention is one inbox item, in threads (features/inbox/store.ts) and in the
 * workspace's community (community-mentions.ts) alike.
 */
export const MENTION_FOLD_MS = 10 * 60_000;

/** What every table of folded mentions keeps (inbox_mentions, community_mentions). */
export type FoldTable = SQLiteTable & {
  principalId: AnySQLiteColumn<{ data: string }>;
  /** When the newest mention of the fold was written. */
  at: AnySQLiteColumn<{ data: number; notNull: true }>;
  /** When the first was written (null: `at`). */
  firstAt: AnySQLiteColumn<{ data: number }>;
  count: AnySQLiteColumn<{ data: number }>;
};

/**
 * The key (`key`, the fold's first mention) of the fold that takes in a mention of
 * `principalId` by `author` (`authorColumn`) written at `at`: their newest whose first was
 * written at most MENTION_FOLD_MS before. Undefined: none is open.
 */
function openFold(
  sql: Sql,
  table: FoldTable,
  columns: { author: AnySQLiteColumn<{ data: string }>; key: AnySQLiteColumn<{ data: string; notNull: true }> },
  principalId: string,
  author: string,
  at: number,
): string | undefined {
  return sql.db
    .select({ key: columns.key })
    .from(table)
    .where(
      and(
        eq(table.principalId, principalId),
        eq(columns.author, author),
        gte(sqlText`coalesce(${table.firstAt}, ${table.at})`, at - MENTION_FOLD_MS),
      ),
    )
    .orderBy(desc(table.at))
    .limit(1)
    .get()?.key;
}

/** What taking in a mention written at `at` changes of its fold: one more, and the newest's time. */
const foldedIn = (t: FoldTable, at: number) => ({
  count: sqlText`${t.count} + 1`,
  at: sqlText`max(${t.at}, ${at})`,
});

/** A fold took in a new mention: its item is unread again (under the same key, so it is not mailed or pushed twice). */
function unreadAgain(sql: Sql, principalId: string, itemKey: string): void {
  sql.db
    .delete(inboxReads)
    .where(and(eq(inboxReads.principalId, principalId), eq(inboxReads.itemKey, itemKey)))
    .run();
}

/** The columns of a table of folds that name a fold: its author's, and its key (its first mention). */
type FoldColumns = { author: AnySQLiteColumn<{ data: string }>; key: AnySQLiteColumn<{ data: string; notNull: true }> };

/**
 * Notes a mention (its key, of `principalId` by `author`, written at `at`) in a table of folds:
 * into its author's open fold, counted with `newest` of it kept and the fold's item
 * (`item(fold)`) unread again; with no author or no open fold, as a row of its own (`row`),
 * the person's oldest beyond `kept` going.
 */
export function noteInFold<T extends FoldTable>(
  sql: Sql,
  table: T,
  columns: FoldColumns,
  mention: { principalId: string; author: string | null; key: string; at: number },
  how: { newest: Record<string, unknown>; row: SQLiteInsertValue<T>; item: (fold: string) => string; kept: number },
): void {
  const { principalId, author, at } = mention;
  const fold = author ? openFold(sql, table, columns, principalId, author, at) : undefined;
  if (fold !== undefined && fold !== mention.key) {
    sql.db
      .update(table)
      .set({ ...foldedIn(table, at), ...how.newest } as SQLiteUpdateSetSource<T>)
      .where(and(eq(table.principalId, principalId), eq(columns.key, fold)))
      .run();
    unreadAgain(sql, principalId, how.item(fold));
    return;
  }
  sql.db.insert(table).values(how.row).onConflictDoNothing().run();
  keepNewest(sql, table, table.principalId, principalId, table.at, how.kept);
}
