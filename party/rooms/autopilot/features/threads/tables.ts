import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import * as col from "../../../../domain/db/columns";

/**
 * The threads feature's tables, part of the Autopilot room's schema
 * (party/rooms/autopilot/schema.ts, from which drizzle-kit generates the room's migrations).
 */

export const threads = sqliteTable("threads", {
  id: col.id(),
  archived: integer("archived").notNull(),
  updatedAt: col.updatedAt(),
  doc: col.doc(),
});

export const messages = sqliteTable(
  "messages",
  {
    n: col.ordinal(),
    id: text("id").notNull().unique(),
    threadId: col.threadId(),
    doc: col.doc(),
  },
  (t) => [index("messages_thread").on(t.threadId, t.n)],
);

export const threadSummaries = sqliteTable("thread_summaries", {
  threadId: text("thread_id").primaryKey(),
  throughN: integer("through_n").notNull(),
  text: text("text").notNull(),
  updatedAt: col.updatedAt(),
});

// Read state (docs/inbox.md, "Read state"): per principal (a person or an agent key) and
// thread, the newest message read (`through_n`, a message's room-wide ordinal) and how many of
// the thread's messages that covers, so any device shows the same unread counts. A marker only
// moves forward; each principal keeps its newest MAX_THREAD_READS.
export const threadReads = sqliteTable(
  "thread_reads",
  {
    principalId: col.principalId(),
    threadId: col.threadId(),
    throughN: integer("through_n").notNull(),
    count: integer("count").notNull(),
    at: col.at(),
  },
  (t) => [primaryKey({ columns: [t.principalId, t.threadId] }), index("thread_reads_at").on(t.principalId, t.at)],
);

// Files in threads (party/files/): what the Worker stored in R2 under `<workspaceId>/<id>`.
// `message_id` is null until a message carries the file; one never attached is swept.
export const files = sqliteTable(
  "files",
  {
    id: col.id(),
    name: text("name").notNull(),
    type: text("type").notNull(),
    size: integer("size").notNull(),
    sha256: text("sha256").notNull(),
    /** The principal that uploaded it: only they may attach it. */
    uploadedBy: text("uploaded_by").notNull(),
    createdAt: col.createdAt(),
    messageId: text("message_id"),
  },
  (t) => [index("files_unattached").on(t.messageId, t.createdAt)],
);
