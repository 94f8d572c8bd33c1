import type { DurableEvent, DurableEventName, EventPayload } from "../../../../shared/protocol/events";
import type { Actor, Principal } from "../../../../shared/protocol/principal";
import { appendAudit } from "./audit";
import { appendEvent } from "./eventlog";
import { newId } from "../../../domain/keys";
import type { Sql } from "../../../domain/sql";
import { and, eq } from "drizzle-orm";
import { param, preparedPerRoom } from "../../../domain/db/client";
import { idempotency } from "../../../domain/db/schema";
import { RoomError } from "../../../domain/errors";
import { decodeResult, encodeResult } from "../../../records/results";

/** Everything a domain operation may touch; built per request, inside its transaction. */
export interface OpContext {
  readonly sql: Sql;
  readonly principal: Principal;
  readonly actor: Actor;
  /**
   * Whose turn this work is done for: the principal itself, or for the Autopilot's run
   * the principal whose message started it; null when the room acts on its own (an
   * approval records it as `onBehalfOf`).
   */
  readonly onBehalfOf: Actor | null;
  readonly now: number;
  newId(prefix: string): string;
  emit<E extends DurableEventName>(event: E, payload: EventPayload<E>): void;
  audit(action: string, targetId: string, details?: Record<string, unknown>): void;
  /** Ask the room to wake at this time (approval expiry). Honoured after commit. */
  wakeAt(at: number): void;
}

export interface OpEffects {
  events: DurableEvent[];
  wakeups: number[];
}

export function actorOf(principal: Principal): Actor {
  return { id: principal.id, kind: principal.kind, name: principal.name };
}

export function createOpContext(
  sql: Sql,
  principal: Principal | null,
  now: number,
  retain: number,
  onBehalfOf?: Actor,
): { ctx: OpContext; effects: OpEffects } {
  const effects: OpEffects = { events: [], wakeups: [] };
  // The room itself acts (e.g. expiring approvals) with no principal and every scope.
  const p: Principal = principal ?? { id: "room", kind: "agent", name: "Autopilot", scopes: ["admin"] };
  const actor = actorOf(p);
  const ctx: OpContext = {
    sql,
    principal: p,
    actor,
    onBehalfOf: onBehalfOf ?? (principal ? actor : null),
    now,
    newId,
    emit: (event, payload) => effects.events.push(appendEvent(sql, event, payload, now, retain)),
    audit: (action, targetId, details = {}) =>
      appendAudit(sql, principal ? actor : null, action, targetId, details, now),
    wakeAt: (at) => effects.wakeups.push(at),
  };
  return { ctx, effects };
}

/** What a transaction is done as, besides its principal. */
export interface CommitOptions {
  /** Whose turn this work is done for, when not the principal's own (see OpContext.onBehalfOf). */
  onBehalfOf?: Actor;
  /** The request's time, when it was read before the transaction (a request's own clock). */
  now?: number;
}

/**
 * The one way to write to a room: `fn` runs in one transaction as `as` (null: the room itself,
 * with every scope), and what it emitted is published once it committed. A transaction that
 * throws rolled back: nothing of it is published, and the error goes on to the caller.
 */
export type Commit = <T>(as: Principal | null, fn: (ctx: OpContext) => T, options?: CommitOptions) => T;

/** What writing to the room takes: its SQL, and the commit that publishes. */
export interface RoomWriter {
  readonly sql: Sql;
  readonly commit: Commit;
}

/** The room's commit over its SQL: events trimmed to `retain()`, effects to `publish` after commit. */
export function commitTo(sql: Sql, retain: () => number, publish: (effects: OpEffects) => void): Commit {
  return (as, fn, options = {}) => {
    const { ctx, effects } = createOpContext(sql, as, options.now ?? Date.now(), retain(), options.onBehalfOf);
    const result = sql.transaction(() => fn(ctx));
    publish(effects);
    return result;
  };
}

// Looked up by every request that carries a key: prepared once per room.
const statements = preparedPerRoom((db) => ({
  recall: db
    .select({ method: idempotency.method, result: idempotency.result })
    .from(idempotency)
    .where(and(eq(idempotency.principalId, param("principalId")), eq(idempotency.key, param("key"))))
    .prepare(),
  remember: db
    .insert(idempotency)
    .values({
      principalId: param("principalId"),
      key: param("key"),
      method: param("method"),
      result: param("result"),
      at: param("at"),
    })
    .prepare(),
}));

/** The stored result of an earlier request with this key, if any. Keys are per principal. */
export function recall(sql: Sql, principalId: string, key: string, method: string): unknown | undefined {
  const row = statements(sql.db).recall.get({ principalId, key });
  if (!row) return undefined;
  if (row.method !== method) {
    throw new RoomError("idempotency_conflict", `idempotency key was already used for ${row.method}`, {
      method: row.method,
    });
  }
  return decodeResult(method, row.result);
}

export function remember(
  sql: Sql,
  principalId: string,
  key: string,
  method: string,
  result: unknown,
  now: number,
): void {
  statements(sql.db).remember.run({ principalId, key, method, result: encodeResult(method, result), at: now });
}
