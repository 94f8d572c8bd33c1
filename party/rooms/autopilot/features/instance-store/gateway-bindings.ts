import type { InstanceSessions, ThreadGateway } from "../../../../../shared/protocol/gateway";
import { and, asc, eq, inArray, or, sql as q } from "drizzle-orm";
import { gatewayThreads } from "./tables";
import type { Sql } from "../../../../domain/sql";
import { param, preparedPerRoom } from "../../../../domain/db/client";
import { CommittedMemo } from "../../../../domain/turn-memo";

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

/**
 * Every instance's sessions, each with the thread it is open as, as every hello carries them
 * (gateway.ts `allSessions`): kept until a session or a binding changes, the same list for
 * every hello, which reads it and never changes it.
 */
export const sessionsShown = new CommittedMemo<"all", InstanceSessions[]>(1);

export interface Binding {
  threadId: string;
  instanceId: string;
  sessionKey: string;
  cursor: string | null;
}

/**
 * Each thread's binding as last read (null: none), for every run's steps, which ask it per pass:
 * every write of a binding below tells it first. Callers read the binding and never change it.
 */
const threadBindings = new CommittedMemo<string, Binding | null>(1000);

export function bindThread(sql: Sql, threadId: string, gateway: ThreadGateway): void {
  sessionsShown.written(sql, "all");
  threadBindings.written(sql, threadId);
  sql.db
    .insert(gatewayThreads)
    .values({ threadId, instanceId: gateway.instanceId, sessionKey: gateway.sessionKey, cursor: null })
    .onConflictDoUpdate({
      target: gatewayThreads.threadId,
      set: { instanceId: gateway.instanceId, sessionKey: gateway.sessionKey, cursor: null },
    })
    .run();
}

export function unbindThread(sql: Sql, threadId: string): void {
  sessionsShown.written(sql, "all");
  threadBindings.written(sql, threadId);
  sql.db.delete(gatewayThreads).where(eq(gatewayThreads.threadId, threadId)).run();
}

export function bindingForSession(sql: Sql, instanceId: string, sessionKey: string): Binding | null {
  const candidates = sessionKeyCandidates(sessionKey);
  // A short key also finds a thread bound to its canonical form (`x` ↔ `agent:<id>:x`).
  const canonical = sessionKey.startsWith("agent:")
    ? null
    : `agent:%:${sessionKey.replaceAll("%", "").replaceAll("_", "\\_")}`;
  const matches = or(
    inArray(gatewayThreads.sessionKey, candidates),
    canonical ? q`${gatewayThreads.sessionKey} like ${canonical} escape '\\'` : undefined,
  );
  return (
    sql.db
      .select()
      .from(gatewayThreads)
      .where(and(eq(gatewayThreads.instanceId, instanceId), matches))
      .orderBy(asc(q`rowid`))
      .limit(1)
      .get() ?? null
  );
}

// Read with every run's step (which gateway a thread is bound to, if any): prepared once per room.
const byThread = preparedPerRoom((db) =>
  db
    .select()
    .from(gatewayThreads)
    .where(eq(gatewayThreads.threadId, param("threadId")))
    .prepare(),
);

export function bindingForThread(sql: Sql, threadId: string): Binding | null {
  return threadBindings.read(sql, threadId, () => byThread(sql.db).get({ threadId }) ?? null);
}

export function bindingsOf(sql: Sql, instanceId: string): Binding[] {
  return sql.db.select().from(gatewayThreads).where(eq(gatewayThreads.instanceId, instanceId)).all();
}

export function setCursor(sql: Sql, threadId: string, cursor: string | null): void {
  threadBindings.written(sql, threadId);
  sql.db.update(gatewayThreads).set({ cursor }).where(eq(gatewayThreads.threadId, threadId)).run();
}
