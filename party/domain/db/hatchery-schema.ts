import { customType, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import * as col from "./columns";

/**
 * The Hatchery room's tables, the source of its migrations
 * (party/domain/db/migrations/hatchery). The document lives as a snapshot in chunks plus
 * the updates since (party/domain/ydoc-store.ts); the domain nodes mirror what the
 * Autopilot reported; graph requests are deduped per principal and key.
 */

/** Durable Object SQLite hands blobs out as ArrayBuffers and binds them from ArrayBuffers: no Buffer in between. */
const bytes = customType<{ data: ArrayBuffer; driverData: ArrayBuffer }>({ dataType: () => "blob" });

export { roomMeta } from "./room-meta";

export const ydocSnapshot = sqliteTable("ydoc_snapshot", {
  chunk: integer("chunk").primaryKey(),
  data: bytes("data").notNull(),
});

export const ydocUpdates = sqliteTable("ydoc_updates", {
  n: col.ordinal(),
  data: bytes("data").notNull(),
});

export const domainNodes = sqliteTable("domain_nodes", {
  id: col.id(),
  kind: text("kind").notNull(),
  ref: text("ref").notNull(),
  data: text("data").notNull(),
});

export const graphIdempotency = sqliteTable(
  "graph_idempotency",
  {
    principalId: col.principalId(),
    key: text("key").notNull(),
    result: text("result").notNull(),
    at: col.at(),
  },
  (t) => [primaryKey({ columns: [t.principalId, t.key] })],
);
