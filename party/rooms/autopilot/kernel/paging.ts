import type { PageCursor } from "../../../../shared/protocol/paging";
import { and, count, desc, eq, getTableName, lt, or, type SQL } from "drizzle-orm";
import type { AnySQLiteColumn, SQLiteTable } from "drizzle-orm/sqlite-core";
import type { Sql } from "../../../domain/sql";
import { readable } from "../../../records/codec";
import { param, preparedPerRoom } from "../../../domain/db/client";

/** One page of a newest-first list: the items and where the next page starts (null: none). */
export interface Page<T> {
  items: T[];
  next: PageCursor | null;
}

export interface PageQuery<T> {
  table: SQLiteTable;
  /** The table's id, its sort column (newest first; ties are broken by id) and its document. */
  columns: {
    id: AnySQLiteColumn<{ data: string; notNull: true }>;
    time: AnySQLiteColumn<{ data: number; notNull: true }>;
    doc: AnySQLiteColumn<{ data: string; notNull: true }>;
  };
  /** Extra filter. */
  where?: SQL | undefined;
  /** Where the page starts; none: at the newest row. */
  before?: PageCursor | undefined;
  limit: number;
  /**
   * Stops before the stored documents pass this many bytes (a bounded hello); at least
   * nothing is over it, so a single huge row is left for the list method to return.
   */
  maxBytes?: number | undefined;
  decode: (doc: string) => T;
}

const encoder = new TextEncoder();

/**
 * Keyset paging over (time, id) descending: stable while rows are added at the head, and
 * each page is one indexed range scan however deep the client has paged.
 */
export function pageRows<T>(sql: Sql, q: PageQuery<T>): Page<T> {
  const { id, time, doc } = q.columns;
  const cursor = q.before ? or(lt(time, q.before.at), and(eq(time, q.before.at), lt(id, q.before.id))) : undefined;
  const rows = sql.db
    .select({ id, at: time, doc })
    .from(q.table)
    .where(and(q.where, cursor))
    .orderBy(desc(time), desc(id))
    .limit(q.limit + 1)
    .all();
  return pageOf(rows, q);
}

/** The page of `rows` (read one past the limit): at most `limit`, within `maxBytes`, and where the next starts. */
function pageOf<T>(
  rows: readonly { id: string; at: number; doc: string }[],
  q: Pick<PageQuery<T>, "limit" | "maxBytes" | "decode">,
): Page<T> {
  let taken = Math.min(rows.length, q.limit);
  if (q.maxBytes !== undefined) {
    let bytes = 0;
    for (let i = 0; i < taken; i++) {
      bytes += encoder.encode(rows[i]!.doc).byteLength;
      if (bytes > q.maxBytes) {
        taken = i;
        break;
      }
    }
  }
  const page = rows.slice(0, taken);
  const last = page.at(-1);
  const more = rows.length > taken;
  // Nothing fitted: the next page starts at the head (before the first row, i.e. no cursor
  // would skip it), so the cursor is one just after the newest row.
  const next = more ? (last ? { at: last.at, id: last.id } : afterRow(rows[0]!)) : null;
  return { items: readable(page, (r) => q.decode(r.doc)), next };
}

/** A cursor that sorts just before `row` in descending order, so a page from it starts at `row`. */
function afterRow(row: { at: number; id: string }): PageCursor {
  return { at: row.at + 1, id: row.id };
}

/** A table that keeps one document per id (a feature's approvals, jobs, projects …). */
export type DocTable = SQLiteTable & {
  id: AnySQLiteColumn<{ data: string; notNull: true }>;
  doc: AnySQLiteColumn<{ data: string; notNull: true }>;
};

/** The document stored under `id`, decoded; null when there is none. */
export function docById<T>(sql: Sql, table: DocTable, id: string, decode: (doc: string) => T): T | null {
  const row = byIdOf(sql, table).get({ id });
  return row ? decode(row.doc) : null;
}

// A document by its id is read with every step of a task and every request on a record
// (a job's report, an approval's decision): each table's read is prepared once per room.
const byId = preparedPerRoom(() => new Map<DocTable, ReturnType<typeof prepareById>>());

const prepareById = (sql: Sql, table: DocTable) =>
  sql.db
    .select({ doc: table.doc })
    .from(table)
    .where(eq(table.id, param("id")))
    .prepare();

function byIdOf(sql: Sql, table: DocTable) {
  const tables = byId(sql.db);
  let statement = tables.get(table);
  if (!statement) {
    statement = prepareById(sql, table);
    tables.set(table, statement);
  }
  return statement;
}

/** A document table whose rows are archived rather than deleted (threads, projects). */
export type ArchivableTable = DocTable & {
  updatedAt: AnySQLiteColumn<{ data: number; notNull: true }>;
  archived: AnySQLiteColumn<{ data: number; notNull: true }>;
};

/** Most recently updated first, one page from `before` (archived rows only if asked). */
export function pageArchivable<T>(
  sql: Sql,
  table: ArchivableTable,
  params: { includeArchived: boolean; limit: number; before?: PageCursor | undefined },
  decode: (doc: string) => T,
  maxBytes?: number,
): Page<T> {
  const { before } = params;
  const rows = archivablePage(sql, table, params.includeArchived, before !== undefined).all({
    limit: params.limit + 1,
    beforeAt: before?.at,
    beforeId: before?.id,
  });
  return pageOf(rows, { limit: params.limit, maxBytes, decode });
}

// A page of threads or projects is read by every list (a task's tool call, a client's list):
// each shape of it (archived rows or not, from a cursor or not) is prepared once per room and table.
const archivablePages = preparedPerRoom(() => new Map<string, ReturnType<typeof prepareArchivablePage>>());

const prepareArchivablePage = (sql: Sql, table: ArchivableTable, includeArchived: boolean, fromCursor: boolean) => {
  const cursor = fromCursor
    ? or(
        lt(table.updatedAt, param("beforeAt")),
        and(eq(table.updatedAt, param("beforeAt")), lt(table.id, param("beforeId"))),
      )
    : undefined;
  return sql.db
    .select({ id: table.id, at: table.updatedAt, doc: table.doc })
    .from(table)
    .where(and(includeArchived ? undefined : eq(table.archived, 0), cursor))
    .orderBy(desc(table.updatedAt), desc(table.id))
    .limit(param("limit"))
    .prepare();
};

/** The statement kept under `key`, made on its first use. */
function preparedAs<T>(statements: Map<string, T>, key: string, prepare: () => T): T {
  let statement = statements.get(key);
  if (!statement) {
    statement = prepare();
    statements.set(key, statement);
  }
  return statement;
}

const archivablePage = (sql: Sql, table: ArchivableTable, includeArchived: boolean, fromCursor: boolean) =>
  preparedAs(archivablePages(sql.db), `${getTableName(table)}:${includeArchived}:${fromCursor}`, () =>
    prepareArchivablePage(sql, table, includeArchived, fromCursor),
  );

type TimeColumn = AnySQLiteColumn<{ data: number; notNull: true }>;

// A person's new marker or mention bounds their rows: each table's pair is prepared once per room.
const keepers = preparedPerRoom(() => new Map<string, ReturnType<typeof prepareKeeper>>());

const prepareKeeper = (sql: Sql, table: SQLiteTable, owner: AnySQLiteColumn, at: TimeColumn, kept: number) => ({
  oldestKept: sql.db
    .select({ at })
    .from(table)
    .where(eq(owner, param("owner")))
    .orderBy(desc(at))
    .limit(1)
    .offset(kept - 1)
    .prepare(),
  olderGo: sql.db
    .delete(table)
    .where(and(eq(owner, param("owner")), lt(at, param("at"))))
    .prepare(),
});

/**
 * Keeps the newest `kept` of the rows whose `owner` column is `ownerId` (by `at`) and deletes
 * the older ones: how a table kept per person stays bounded. Rows as old as the oldest kept one stay too.
 */
export function keepNewest(
  sql: Sql,
  table: SQLiteTable,
  owner: AnySQLiteColumn,
  ownerId: string,
  at: TimeColumn,
  kept: number,
): void {
  const keeper = preparedAs(keepers(sql.db), `${getTableName(table)}:${owner.name}:${at.name}:${kept}`, () =>
    prepareKeeper(sql, table, owner, at, kept),
  );
  const oldestKept = keeper.oldestKept.get({ owner: ownerId });
  if (oldestKept) keeper.olderGo.run({ owner: ownerId, at: oldestKept.at });
}

/** How many rows match a filter. */
export function countRows(sql: Sql, table: SQLiteTable, where?: SQL): number {
  return sql.db.select({ n: count() }).from(table).where(where).get()?.n ?? 0;
}
