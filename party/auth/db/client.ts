import { type DrizzleD1Database, drizzle } from "drizzle-orm/d1";
import { preparedPer } from "../../domain/db/client";

/** The typed view of the auth database: our own tables (schema.ts) and the better-auth columns the access checks read (better-auth-tables.ts). */
export type AuthDb = DrizzleD1Database<Record<string, never>>;

/** One typed view per D1 binding: the gate's statements are prepared once per view. */
export const authDb = preparedPer((d1: D1Database): AuthDb => drizzle(d1));

/** Statements built once per view and run per request (the socket upgrade's reads). */
export const preparedPerDb = <T extends object>(build: (db: AuthDb) => T): ((db: AuthDb) => T) => preparedPer(build);
