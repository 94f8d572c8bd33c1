import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import type { DurableEventName } from "../../../../shared/protocol/events";
import * as col from "../../../domain/db/columns";

/**
 * The kernel's own tables: the durable event log, the audit trail, the dispatcher's
 * idempotency keys, and the feature store's small documents. Part of the Autopilot room's
 * schema (party/rooms/autopilot/schema.ts).
 */

export const events = sqliteTable("events", {
  seq: integer("seq").primaryKey(),
  event: text("event").$type<DurableEventName>().notNull(),
  payload: text("payload").notNull(),
  at: col.at(),
});

export const audit = sqliteTable("audit", {
  n: col.ordinal(),
  at: col.at(),
  doc: col.doc(),
});

export const idempotency = sqliteTable(
  "idempotency",
  {
    principalId: col.principalId(),
    key: text("key").notNull(),
    method: text("method").notNull(),
    result: text("result").notNull(),
    at: col.at(),
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
    doc: col.doc(),
    updatedAt: col.updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.kind, t.key] })],
);
