export type SqlValue = string | number | null | ArrayBuffer;

/** The slice of Durable Object SQLite the domain needs; keeps domain code storage-agnostic. */
export interface Sql {
  all<T>(query: string, ...params: SqlValue[]): T[];
  one<T>(query: string, ...params: SqlValue[]): T | null;
  run(query: string, ...params: SqlValue[]): number;
  /** Runs fn atomically: every write in it commits together or not at all. */
  transaction<T>(fn: () => T): T;
}

export function sqlFromStorage(storage: DurableObjectStorage): Sql {
  const exec = storage.sql.exec.bind(storage.sql);
  return {
    all: <T>(query: string, ...params: SqlValue[]) => exec(query, ...params).toArray() as T[],
    one: <T>(query: string, ...params: SqlValue[]) => (exec(query, ...params).toArray()[0] as T | undefined) ?? null,
    run: (query, ...params) => exec(query, ...params).rowsWritten,
    transaction: (fn) => storage.transactionSync(fn),
  };
}
