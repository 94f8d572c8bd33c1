/**
 * The Autopilot room's tables, assembled from the modules that own them: the meta every room
 * keeps, the kernel's, and each feature's `tables.ts`. drizzle-kit generates the room's
 * migrations from this module (party/domain/db/drizzle.autopilot.config.ts, one migration
 * stream in party/domain/db/migrations/autopilot) and the migration tests read it; the room's
 * code imports a table from its owner, never from here. Entities are stored as JSON
 * documents (`doc`, the exact wire shape plus its version: see party/records/codec.ts) plus
 * the few columns we filter or order by, so reads need no mapping and cannot drift from the
 * schema the client validates. The first migration is the schema the hand-written migration
 * array reached (party/domain/db/legacy.ts), so rooms made before drizzle keep their tables.
 */

export * from "../../domain/db/room-meta";
export * from "./features/agent/tables";
export * from "./features/approval-reach/tables";
export * from "./features/approvals/tables";
export * from "./features/billing/tables";
export * from "./features/chat-starts/tables";
export * from "./features/gateway-bridge/tables";
export * from "./features/gateway-channels/tables";
export * from "./features/gateway-skills/tables";
export * from "./features/inbox/tables";
export * from "./features/instance-store/tables";
export * from "./features/jobs/tables";
export * from "./features/memory/tables";
export * from "./features/model/tables";
export * from "./features/projects/tables";
export * from "./features/schedules/tables";
export * from "./features/tasks/tables";
export * from "./features/threads/tables";
export * from "./features/traces/tables";
export * from "./kernel/tables";
