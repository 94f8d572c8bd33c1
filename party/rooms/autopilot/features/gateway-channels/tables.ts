import { sqliteTable, text } from "drizzle-orm/sqlite-core";
import * as col from "../../../../domain/db/columns";

/**
 * The channels' tables (features/gateway-channels/), part of the Autopilot room's schema
 * (party/rooms/autopilot/schema.ts).
 */

// Channel changes waiting for a person (party/rooms/autopilot/features/gateway-channels/): what the approved operation sets,
// server-side only. `secret` holds a bot token (JSON) until the operation applied it or the
// approval was denied or expired; the row then goes. Never in an approval, event or log.
export const channelRequests = sqliteTable("channel_requests", {
  approvalId: text("approval_id").primaryKey(),
  instanceId: col.instanceId(),
  channel: text("channel").notNull(),
  accountId: text("account_id").notNull(),
  secret: text("secret"),
  access: text("access"),
  createdAt: col.createdAt(),
});
