import { type DrizzleD1Database, drizzle } from "drizzle-orm/d1";

/** The typed view of the auth database's own tables (party/auth/db/schema.ts). */
export type AuthDb = DrizzleD1Database<Record<string, never>>;

export function authDb(d1: D1Database): AuthDb {
  return drizzle(d1);
}
