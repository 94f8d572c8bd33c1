import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import type { DurableEventName } from "../../../../shared/protocol/events";

/**
 * The kernel's own tables: the durable event log, the audit trail, the dispatcher's
 * idempotency keys, and the feature store's small documents. Part of the Autopilot room's
 * schema (party/rooms/autopilot/schema.ts).
 */

export const events = sqliteTable("events", {
  seq: integer("seq").primaryKey(),
  event: text("event").$type<DurableEventName>().notNull(),
  payload: text("payload").notNull(),
  at: integer("at").notNull(),
});

export const audit = sqliteTable("audit", {
  n: integer("n").primaryKey({ autoIncrement: true }),
  at: integer("at").notNull(),
  doc: text("doc").notNull(),
});

export const idempotency = sqliteTable(
  "idempotency",
  {
    principalId: text("principal_id").notNull(),
    key: text("key").notNull(),
    method: text("method").notNull(),
    result: text("result").notNull(),
    at: integer("at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.principalId, t.key] }), index("idempotency_at").on(t.at)],
);

// Small documents a feature keeps by key without a table of its own (kernel/feature-store.ts):
// a record kind per store, each document versioned and validated like the room's entities.
export const featureRecords = sqliteTable(
  "feature_records",
  {
    kind: text("kind").notNull(),
    key: text("key").notNull(),
    doc: text("doc").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.kind, t.key] })],
);
