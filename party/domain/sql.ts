import { type RoomDb, roomDb } from "./db/client";

export type SqlValue = string | number | null | ArrayBuffer;

/**
 * A room's Durable Object SQLite: `db` is the typed (drizzle) view the domain reads and
 * writes through. `all`/`one`/`run` take raw SQL for what has no schema to go through:
 * the frozen statements that bring a legacy room up (db/legacy.ts, db/migrate.ts) and
 * tests that age or corrupt rows on purpose.
 */
export interface Sql {
  readonly db: RoomDb;
  all<T>(query: string, ...params: SqlValue[]): T[];
  one<T>(query: string, ...params: SqlValue[]): T | null;
  run(query: string, ...params: SqlValue[]): number;
  /** Runs fn atomically: every write in it commits together or not at all. */
  transaction<T>(fn: () => T): T;
}

/**
 * The one Sql of a room's storage: what a room keeps between turns of what it read
 * (turn-memo.ts) is kept per Sql, so every reader and writer of the storage (a test's
 * `runInDurableObject` as well) goes through the same one.
 */
export function sqlFromStorage(storage: DurableObjectStorage): Sql {
  const known = opened.get(storage);
  if (known) return known;
  const sql = openSql(storage);
  opened.set(storage, sql);
  return sql;
}

const opened = new WeakMap<DurableObjectStorage, Sql>();

function openSql(storage: DurableObjectStorage): Sql {
  const exec = storage.sql.exec.bind(storage.sql);
  return {
    db: roomDb(storage),
    all: <T>(query: string, ...params: SqlValue[]) => exec(query, ...params).toArray() as T[],
    one: <T>(query: string, ...params: SqlValue[]) => (exec(query, ...params).toArray()[0] as T | undefined) ?? null,
    run: (query, ...params) => exec(query, ...params).rowsWritten,
    transaction: (fn) => storage.transactionSync(fn),
  };
}
