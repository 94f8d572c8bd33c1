import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import * as col from "../../../../domain/db/columns";

/**
 * The skills' tables (features/gateway-skills/), part of the Autopilot room's schema
 * (party/rooms/autopilot/schema.ts).
 */

// Skill changes waiting for a person (decision 70): what the approved operation applies,
// server-side only. `files` holds an uploaded skill's folder (JSON, bounded by the protocol),
// `change` what a configure sets (an API key or env values, maybe) or, under `clawhub`, the
// ClawHub skill an install downloads; the row goes once the
// operation ran or the approval was denied or expired. Never in an approval, event or log.
export const skillRequests = sqliteTable("skill_requests", {
  approvalId: text("approval_id").primaryKey(),
  instanceId: col.instanceId(),
  skillKey: text("skill_key").notNull(),
  files: text("files"),
  force: integer("force", { mode: "boolean" }).notNull().default(false),
  change: text("change"),
  createdAt: col.createdAt(),
});
