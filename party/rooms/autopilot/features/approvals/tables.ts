import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import * as col from "../../../../domain/db/columns";

/**
 * The approvals feature's tables, part of the Autopilot room's schema
 * (party/rooms/autopilot/schema.ts, from which drizzle-kit generates the room's migrations).
 */

export const approvals = sqliteTable(
  "approvals",
  {
    id: col.id(),
    status: col.status(),
    expiresAt: integer("expires_at"),
    requestedAt: integer("requested_at").notNull(),
    doc: col.doc(),
  },
  (t) => [index("approvals_status").on(t.status, t.requestedAt)],
);

// What a gated MCP call's approval authorises: its filer's call, method, digest of arguments.
export const approvalGates = sqliteTable(
  "approval_gates",
  {
    approvalId: text("approval_id").primaryKey(),
    filerId: text("filer_id").notNull(),
    method: text("method").notNull(),
    argsDigest: text("args_digest").notNull(),
    callId: text("call_id").notNull(),
    createdAt: col.createdAt(),
    /** When the call ran on the approval (claimApprovedCall): an approval stands for one run, null until then. */
    usedAt: integer("used_at"),
  },
  (t) => [uniqueIndex("approval_gates_call").on(t.filerId, t.callId)],
);
