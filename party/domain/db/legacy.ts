import type { Sql } from "../sql";

/**
 * What rooms made before drizzle migrations have, frozen: never edit these. A new room
 * gets the same tables from the first generated migration (migrations/*\/0000_baseline.sql);
 * a room made by the old code is brought to the last of these and then marked as having
 * applied that baseline (migrate.ts), so both end up on the same migration path.
 */

/** The Autopilot's hand-written migrations; `room_schema` held how many were applied (1..8). */
export const LEGACY_AUTOPILOT_MIGRATIONS: readonly string[] = [
  `create table if not exists room_meta (key text primary key, value text not null);
   create table if not exists events (seq integer primary key, event text not null, payload text not null, at integer not null);
   create table if not exists threads (id text primary key, archived integer not null, updated_at integer not null, doc text not null);
   create table if not exists messages (n integer primary key autoincrement, id text not null unique, thread_id text not null, doc text not null);
   create index if not exists messages_thread on messages (thread_id, n);
   create table if not exists approvals (id text primary key, status text not null, expires_at integer, requested_at integer not null, doc text not null);
   create index if not exists approvals_status on approvals (status, requested_at);
   create table if not exists jobs (id text primary key, status text not null, updated_at integer not null, doc text not null);
   create index if not exists jobs_status on jobs (status, updated_at);
   create table if not exists audit (n integer primary key autoincrement, at integer not null, doc text not null);
   create table if not exists idempotency (principal_id text not null, key text not null, method text not null, result text not null, at integer not null, primary key (principal_id, key));
   create index if not exists idempotency_at on idempotency (at);`,
  `create table if not exists instances (id text primary key, status text not null, created_at integer not null, doc text not null);`,
  `create table if not exists gateway_devices (instance_id text primary key, doc text not null);
   create table if not exists gateway_threads (thread_id text primary key, instance_id text not null, session_key text not null, cursor text);
   create index if not exists gateway_threads_session on gateway_threads (instance_id, session_key);
   create table if not exists gateway_outbox (message_id text primary key, thread_id text not null, instance_id text not null, session_key text not null, text text not null, state text not null, created_at integer not null);
   create index if not exists gateway_outbox_state on gateway_outbox (instance_id, state, created_at);
   create table if not exists gateway_imports (instance_id text not null, key text not null, at integer not null, primary key (instance_id, key));
   create table if not exists gateway_sessions (instance_id text not null, key text not null, doc text not null, primary key (instance_id, key));
   create table if not exists gateway_approvals (instance_id text not null, request_id text not null, approval_id text not null, primary key (instance_id, request_id));`,
  `create table if not exists agent_runs (id text primary key, thread_id text not null, trigger_message_id text not null unique, status text not null, segment integer not null, created_at integer not null, updated_at integer not null, doc text not null);
   create unique index if not exists agent_runs_active on agent_runs (thread_id) where status in ('streaming', 'awaiting_approval');
   create index if not exists agent_runs_status on agent_runs (status, created_at);
   create table if not exists agent_tool_calls (run_id text not null, tool_call_id text not null, name text not null, status text not null, message_id text, at integer not null, primary key (run_id, tool_call_id));
   create table if not exists thread_summaries (thread_id text primary key, through_n integer not null, text text not null, updated_at integer not null);
   create table if not exists memory (key text primary key, updated_at integer not null, doc text not null);
   create table if not exists usage (n integer primary key autoincrement, at integer not null, thread_id text, run_id text, principal_id text, purpose text not null, model text not null, input_tokens integer, output_tokens integer, duration_ms integer not null, ok integer not null);
   create index if not exists usage_at on usage (at);
   create index if not exists usage_thread on usage (thread_id, at);
   create index if not exists usage_principal on usage (principal_id, at);`,
  `create table if not exists agent_gateway_invokes (run_id text not null, tool_call_id text not null, instance_id text not null, tool text not null, started_at integer not null, finished_at integer, ok integer, result text, primary key (run_id, tool_call_id));`,
  `create table if not exists chat_starts (thread_id text primary key, approval_id text not null unique, instance_id text not null, message_id text not null, created_at integer not null);`,
  `create table if not exists gateway_links (instance_id text primary key, approval_id text not null unique, url text not null, token text not null, linked integer not null, created_at integer not null);`,
  `create table if not exists agent_run_approvals (approval_id text primary key, run_id text not null);
   create index if not exists agent_run_approvals_run on agent_run_approvals (run_id);`,
];

/** The Hatchery's tables as its constructor created them, every start. */
export const LEGACY_HATCHERY_TABLES: readonly string[] = [
  `create table if not exists ydoc_snapshot (chunk integer primary key, data blob not null)`,
  `create table if not exists ydoc_updates (n integer primary key autoincrement, data blob not null)`,
  `create table if not exists room_meta (key text primary key, value text not null)`,
  `create table if not exists domain_nodes (id text primary key, kind text not null, ref text not null, data text not null)`,
  `create table if not exists graph_idempotency (principal_id text not null, key text not null, result text not null, at integer not null, primary key (principal_id, key))`,
];

/** The statements of one legacy migration (they were split on `;`, which none of them holds inside a literal). */
export function legacyStatements(migration: string): string[] {
  return migration
    .split(";")
    .map((s) => s.trim())
    .filter(Boolean);
}

const tableExists = (sql: Sql, name: string): boolean =>
  sql.one<{ name: string }>(`select name from sqlite_master where type = 'table' and name = ?`, name) !== null;

/** The version an Autopilot made before drizzle migrations is at; null for a new room or one already on them. */
export function legacyAutopilotVersion(sql: Sql): number | null {
  if (!tableExists(sql, "room_schema") || tableExists(sql, MIGRATIONS_TABLE)) return null;
  return sql.one<{ version: number }>(`select version from room_schema`)?.version ?? 0;
}

/** Whether this is a Hatchery made before drizzle migrations: it has the document tables and no migration record. */
export function isLegacyHatchery(sql: Sql): boolean {
  return tableExists(sql, "ydoc_updates") && !tableExists(sql, MIGRATIONS_TABLE);
}

/** Drizzle's record of applied migrations (its durable-sqlite migrator creates it the same way). */
export const MIGRATIONS_TABLE = "__drizzle_migrations";
