import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

/**
 * The columns that mean the same thing in the rooms' tables (the Autopilot's features, the
 * Hatchery's, the relay's), written once: a table names what it keeps and takes these for
 * its ids, times, documents and whose-row columns, so the same meaning is the same SQL
 * everywhere. Each call is a new column (drizzle builders are not shared between tables).
 * The SQL is what the migrations in party/domain/db/migrations already create.
 */

/** A record's own id, its primary key. */
export const id = () => text("id").primaryKey();

/** The record itself, as the JSON document its codec writes (party/records/codec.ts). */
export const doc = () => text("doc").notNull();

/** When the row's fact happened (ms). */
export const at = () => integer("at").notNull();

/** When the record was made (ms). */
export const createdAt = () => integer("created_at").notNull();

/** When the record last changed (ms). */
export const updatedAt = () => integer("updated_at").notNull();

/** The record's state, a word its feature filters by. */
export const status = () => text("status").notNull();

/** The person or agent key the row belongs to. */
export const principalId = () => text("principal_id").notNull();

/** The thread the row belongs to. */
export const threadId = () => text("thread_id").notNull();

/** The OpenClaw instance the row belongs to. */
export const instanceId = () => text("instance_id").notNull();

/** A room-wide ordinal the database counts up: the order rows were written in. */
export const ordinal = () => integer("n").primaryKey({ autoIncrement: true });

/** A table of small facts by key (text values). */
export const keyValueTable = <N extends string>(name: N) =>
  sqliteTable(name, {
    key: text("key").primaryKey(),
    value: text("value").notNull(),
  });
