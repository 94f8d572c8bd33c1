import type { ThreadGateway } from "../../shared/protocol/gateway";
import type { Sql } from "./sql";

// Which room thread talks to which gateway session. Plain SQL with no other domain
// imports: instances bind threads and the bridge reads bindings, without either
// depending on the rest of the OpenClaw domain.

/** The session a newly attached thread gets: its own, named after it. */
export function sessionKeyForThread(threadId: string): string {
  return `autopilot-${threadId.toLowerCase()}`;
}

/**
 * The gateway canonicalises keys (`x` → `agent:main:x`): a stored key matches either form.
 * Returns the candidates to look a canonical key up by.
 */
export function sessionKeyCandidates(key: string): string[] {
  const parts = key.split(":");
  return parts.length >= 3 && parts[0] === "agent" ? [key, parts.slice(2).join(":")] : [key];
}

export interface Binding {
  threadId: string;
  instanceId: string;
  sessionKey: string;
  cursor: string | null;
}

export function bindThread(sql: Sql, threadId: string, gateway: ThreadGateway): void {
  sql.run(
    `insert into gateway_threads (thread_id, instance_id, session_key, cursor) values (?, ?, ?, null)
     on conflict (thread_id) do update set instance_id = excluded.instance_id, session_key = excluded.session_key, cursor = null`,
    threadId,
    gateway.instanceId,
    gateway.sessionKey,
  );
}

export function unbindThread(sql: Sql, threadId: string): void {
  sql.run(`delete from gateway_threads where thread_id = ?`, threadId);
}

const bindingOf = (r: { thread_id: string; instance_id: string; session_key: string; cursor: string | null }): Binding => ({
  threadId: r.thread_id,
  instanceId: r.instance_id,
  sessionKey: r.session_key,
  cursor: r.cursor,
});

export function bindingForSession(sql: Sql, instanceId: string, sessionKey: string): Binding | null {
  const candidates = sessionKeyCandidates(sessionKey);
  // A short key also finds a thread bound to its canonical form (`x` ↔ `agent:<id>:x`).
  const canonical = sessionKey.startsWith("agent:") ? null : `agent:%:${sessionKey.replaceAll("%", "").replaceAll("_", "\\_")}`;
  const row = sql.one<{ thread_id: string; instance_id: string; session_key: string; cursor: string | null }>(
    `select * from gateway_threads where instance_id = ? and (session_key in (${candidates.map(() => "?").join(", ")})${canonical ? ` or session_key like ? escape '\\'` : ""}) order by rowid limit 1`,
    instanceId,
    ...candidates,
    ...(canonical ? [canonical] : []),
  );
  return row ? bindingOf(row) : null;
}

export function bindingForThread(sql: Sql, threadId: string): Binding | null {
  const row = sql.one<{ thread_id: string; instance_id: string; session_key: string; cursor: string | null }>(`select * from gateway_threads where thread_id = ?`, threadId);
  return row ? bindingOf(row) : null;
}

export function bindingsOf(sql: Sql, instanceId: string): Binding[] {
  return sql.all<{ thread_id: string; instance_id: string; session_key: string; cursor: string | null }>(`select * from gateway_threads where instance_id = ?`, instanceId).map(bindingOf);
}

export function setCursor(sql: Sql, threadId: string, cursor: string | null): void {
  sql.run(`update gateway_threads set cursor = ? where thread_id = ?`, cursor, threadId);
}
