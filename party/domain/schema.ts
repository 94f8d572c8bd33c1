import type { Sql } from "./sql";

/**
 * Room tables. Entities are stored as JSON documents (the exact wire shape, plus the
 * version of that shape: see party/records/codec.ts) plus the
 * few columns we filter or order by, so reads need no mapping and cannot drift from
 * the schema the client validates.
 */
const MIGRATIONS: string[] = [
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
  // The OpenClaw bridge (protocol 4): device identity per instance, which thread is which
  // gateway session (+ its history cursor), messages waiting to reach the gateway, what was
  // already imported from it (dedupe across live events and catch-up), the live session
  // list, and which room approval stands for which gateway request.
  `create table if not exists gateway_devices (instance_id text primary key, doc text not null);
   create table if not exists gateway_threads (thread_id text primary key, instance_id text not null, session_key text not null, cursor text);
   create index if not exists gateway_threads_session on gateway_threads (instance_id, session_key);
   create table if not exists gateway_outbox (message_id text primary key, thread_id text not null, instance_id text not null, session_key text not null, text text not null, state text not null, created_at integer not null);
   create index if not exists gateway_outbox_state on gateway_outbox (instance_id, state, created_at);
   create table if not exists gateway_imports (instance_id text not null, key text not null, at integer not null, primary key (instance_id, key));
   create table if not exists gateway_sessions (instance_id text not null, key text not null, doc text not null, primary key (instance_id, key));
   create table if not exists gateway_approvals (instance_id text not null, request_id text not null, approval_id text not null, primary key (instance_id, request_id));`,
  // The Autopilot's own agent (protocol 5): its runs (one per triggering message; the
  // model messages of a paused run live in `doc` until a person decides), the tool calls
  // they made, the workspace memory, each thread's rolling summary, and one usage row per
  // model call. At most one run per thread is active (streaming or waiting for approval).
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
  // The Autopilot's calls to an OpenClaw gateway's tools, recorded before they are sent:
  // the gateway does not dedupe them, so a call started and never finished is not sent again.
  `create table if not exists agent_gateway_invokes (run_id text not null, tool_call_id text not null, instance_id text not null, tool text not null, started_at integer not null, finished_at integer, ok integer, result text, primary key (run_id, tool_call_id));`,
  // instances.startChat (protocol 7): the open starts, one per thread, until the first
  // message is queued for the ready gateway or the start failed.
  `create table if not exists chat_starts (thread_id text primary key, approval_id text not null unique, instance_id text not null, message_id text not null, created_at integer not null);`,
  // Linked gateways (instances.link): address and token, server-side only. `linked` is 0
  // while the approval is pending (the row then dies with a denial or expiry).
  `create table if not exists gateway_links (instance_id text primary key, approval_id text not null unique, url text not null, token text not null, linked integer not null, created_at integer not null);`,
  // The approvals an Autopilot run filed with an approval-method tool (instances.*): the
  // room acts on them for the run's trigger, whose access is checked again when one is decided.
  `create table if not exists agent_run_approvals (approval_id text primary key, run_id text not null);
   create index if not exists agent_run_approvals_run on agent_run_approvals (run_id);`,
];

export function migrate(sql: Sql): void {
  sql.run(`create table if not exists room_schema (version integer not null)`);
  const current = sql.one<{ version: number }>(`select version from room_schema`)?.version ?? 0;
  if (current >= MIGRATIONS.length) return;
  sql.transaction(() => {
    for (let v = current; v < MIGRATIONS.length; v++) {
      for (const statement of MIGRATIONS[v]!.split(";")
        .map((s) => s.trim())
        .filter(Boolean))
        sql.run(statement);
    }
    sql.run(`delete from room_schema`);
    sql.run(`insert into room_schema (version) values (?)`, MIGRATIONS.length);
  });
}

export function getMeta(sql: Sql, key: string): string | null {
  return sql.one<{ value: string }>(`select value from room_meta where key = ?`, key)?.value ?? null;
}

export function setMeta(sql: Sql, key: string, value: string): void {
  sql.run(`insert into room_meta (key, value) values (?, ?) on conflict (key) do update set value = excluded.value`, key, value);
}
