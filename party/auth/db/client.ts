import { type DrizzleD1Database, drizzle } from "drizzle-orm/d1";
import { preparedPer } from "../../domain/db/client";

/** The typed view of the auth database's own tables (party/auth/db/schema.ts). */
export type AuthDb = DrizzleD1Database<Record<string, never>>;

const views = new WeakMap<D1Database, AuthDb>();

/** One typed view per D1 binding: the gate's statements are prepared once per view. */
export function authDb(d1: D1Database): AuthDb {
  let db = views.get(d1);
  if (!db) {
    db = drizzle(d1);
    views.set(d1, db);
  }
  return db;
}

/** Statements built once per view and run per request (the socket upgrade's reads). */
export const preparedPerDb = <T extends object>(build: (db: AuthDb) => T): ((db: AuthDb) => T) => preparedPer(build);
