import { type SQL, sql } from "drizzle-orm";
import { type DrizzleSqliteDODatabase, drizzle } from "drizzle-orm/durable-sqlite";
import type { SQLiteColumn, SQLiteTable } from "drizzle-orm/sqlite-core";
import { withOpaqueParams } from "./opaque-params";

/**
 * A room's typed view of its Durable Object SQLite. Drizzle's durable-sqlite session is
 * synchronous (`.all()`, `.get()`, `.run()` call `storage.sql.exec`), so domain functions
 * stay synchronous and run inside the caller's `storage.transactionSync`; its
 * `db.transaction` is `transactionSync` too, but the domain keeps using `Sql.transaction`
 * (the same call) so one wrapper covers both typed and not-yet-typed statements. Its
 * statements' parameters are opaque to the query planner (opaque-params.ts).
 */
export type RoomDb = DrizzleSqliteDODatabase<Record<string, never>>;

export function roomDb(storage: DurableObjectStorage): RoomDb {
  return drizzle(withOpaqueParams(storage));
}

/**
 * Statements built once per database view (a room's, or the auth database's) and run per
 * message or request: `build` runs on a view's first use, later uses get the same prepared
 * statements back.
 */
export function preparedPer<D extends object, T extends object>(build: (db: D) => T): (db: D) => T {
  const cache = new WeakMap<D, T>();
  return (db) => {
    let statements = cache.get(db);
    if (!statements) {
      statements = build(db);
      cache.set(db, statements);
    }
    return statements;
  };
}

/** `preparedPer` for a room's database. */
export const preparedPerRoom = <T extends object>(build: (db: RoomDb) => T): ((db: RoomDb) => T) => preparedPer(build);

/** A named parameter of a prepared statement, filled per run. */
export const param = <N extends string>(name: N) => sql.placeholder(name);

/** `param` for an update's `set`, which is typed for values or SQL, not a placeholder: it goes in as SQL. */
export const setParam = (name: string): SQL => sql`${sql.placeholder(name)}`;

/** Whether `table` has a row that matches `where` (any row, without one). */
export const hasRow = (db: RoomDb, table: SQLiteTable, where?: SQL): boolean =>
  db.select({ one: sql`1` }).from(table).where(where).limit(1).get() !== undefined;

/** The value an upsert would have inserted: `on conflict … do update set col = excluded.col`. */
export const excluded = (column: string) => sql.raw(`excluded.${column}`);

/**
 * A field of a stored JSON document, or null where the document is not JSON: SQLite's
 * `json_extract` throws on malformed text, and one unreadable row (a broken write, a
 * corrupted page) must leave every query over its table working, as the codecs do.
 */
export const storedField = (doc: SQLiteColumn, path: string): SQL =>
  sql`(case when json_valid(${doc}) then json_extract(${doc}, ${path}) end)`;

/** The elements of a stored document's JSON array at `path`, none where it is not JSON (see storedField). */
export const storedElements = (doc: SQLiteColumn, path: string): SQL =>
  sql`json_each(case when json_valid(${doc}) then ${doc} else '{}' end, ${path})`;
