import { index, integer, primaryKey, type SQLiteColumnBuilderBase, sqliteTable, text } from "drizzle-orm/sqlite-core";
import * as col from "../../../../domain/db/columns";

/**
 * The instances' records and their gateways' devices, sessions, bindings, outbox and links:
 * part of the Autopilot room's schema (party/rooms/autopilot/schema.ts, from which drizzle-kit
 * generates the room's migrations).
 */

export const instances = sqliteTable("instances", {
  id: col.id(),
  status: col.status(),
  createdAt: col.createdAt(),
  doc: col.doc(),
});

// The OpenClaw bridge: device identity per instance, which thread is which gateway
// session (+ its history cursor), messages waiting to reach the gateway, what was already
// imported from it (dedupe across live events and catch-up), the live session list, and
// which room approval stands for which gateway request.
export const gatewayDevices = sqliteTable("gateway_devices", {
  instanceId: text("instance_id").primaryKey(),
  doc: col.doc(),
});

export const gatewayThreads = sqliteTable(
  "gateway_threads",
  {
    threadId: text("thread_id").primaryKey(),
    instanceId: col.instanceId(),
    sessionKey: text("session_key").notNull(),
    cursor: text("cursor"),
  },
  (t) => [index("gateway_threads_session").on(t.instanceId, t.sessionKey)],
);

export const gatewayOutbox = sqliteTable(
  "gateway_outbox",
  {
    messageId: text("message_id").primaryKey(),
    threadId: col.threadId(),
    instanceId: col.instanceId(),
    sessionKey: text("session_key").notNull(),
    text: text("text").notNull(),
    /** The message's files as a JSON array of ids (null: none): their bytes are read from R2 when it is sent. */
    fileIds: text("file_ids"),
    state: text("state").notNull(),
    createdAt: col.createdAt(),
  },
  (t) => [index("gateway_outbox_state").on(t.instanceId, t.state, t.createdAt)],
);

/** A table of what an instance's gateway names by a key of its own (imports, sessions), one row per instance and key. */
const byGatewayKey = <N extends string, C extends Record<string, SQLiteColumnBuilderBase>>(name: N, columns: C) =>
  sqliteTable(name, { instanceId: col.instanceId(), key: text("key").notNull(), ...columns }, (t) => [
    primaryKey({ columns: [t.instanceId, t.key] }),
  ]);

export const gatewayImports = byGatewayKey("gateway_imports", { at: col.at() });

export const gatewaySessions = byGatewayKey("gateway_sessions", { doc: col.doc() });

export const gatewayApprovals = sqliteTable(
  "gateway_approvals",
  {
    instanceId: col.instanceId(),
    requestId: text("request_id").notNull(),
    approvalId: text("approval_id").notNull(),
  },
  (t) => [primaryKey({ columns: [t.instanceId, t.requestId] })],
);

// Linked gateways (instances.link): address and token, server-side only. `linked` is 0
// while the approval is pending (the row then dies with a denial or expiry).
export const gatewayLinks = sqliteTable("gateway_links", {
  instanceId: text("instance_id").primaryKey(),
  approvalId: text("approval_id").notNull().unique(),
  url: text("url").notNull(),
  token: text("token").notNull(),
  linked: integer("linked").notNull(),
  createdAt: col.createdAt(),
});
