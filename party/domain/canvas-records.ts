import { and, eq, count, lt } from "drizzle-orm";
import { excluded, param, preparedPerRoom } from "./db/client";
import { domainNodes, graphIdempotency } from "./db/hatchery-schema";
import type { Sql } from "./sql";
import { IDEMPOTENCY_TTL_MS } from "./keys";

// The Hatchery's own records beside its document: what each domain node must say (so a
// client cannot rewrite it), and the answers to agents' graph requests, once per key.

/** A domain node as the Autopilot last reported it; `data` is the node's JSON data. */
export interface DomainNodeRecord {
  kind: string;
  ref: string;
  data: Record<string, unknown>;
}

// Each pull of the Autopilot's events records the nodes it touched: prepared once per room.
const statements = preparedPerRoom((db) => ({
  get: db
    .select({ kind: domainNodes.kind, ref: domainNodes.ref, data: domainNodes.data })
    .from(domainNodes)
    .where(eq(domainNodes.id, param("id")))
    .prepare(),
  put: db
    .insert(domainNodes)
    .values({ id: param("id"), kind: param("kind"), ref: param("ref"), data: param("data") })
    .onConflictDoUpdate({ target: domainNodes.id, set: { data: excluded("data") } })
    .prepare(),
}));

export function getDomainNode(sql: Sql, id: string): DomainNodeRecord | null {
  const row = statements(sql.db).get.get({ id });
  return row ? { kind: row.kind, ref: row.ref, data: JSON.parse(row.data) as Record<string, unknown> } : null;
}

export function putDomainNode(sql: Sql, id: string, node: DomainNodeRecord): void {
  statements(sql.db).put.run({ id, kind: node.kind, ref: node.ref, data: JSON.stringify(node.data) });
}

/** Every domain node the room has recorded: what the canvas must show. */
export function domainNodeIds(sql: Sql): string[] {
  return sql.db
    .select({ id: domainNodes.id })
    .from(domainNodes)
    .all()
    .map((row) => row.id);
}

export function forgetDomainNode(sql: Sql, id: string): void {
  sql.db.delete(domainNodes).where(eq(domainNodes.id, id)).run();
}

/** The answer an earlier graph request with this key got, if any. */
export function recallGraphApply(sql: Sql, principalId: string, key: string): unknown {
  const row = sql.db
    .select({ result: graphIdempotency.result })
    .from(graphIdempotency)
    .where(and(eq(graphIdempotency.principalId, principalId), eq(graphIdempotency.key, key)))
    .get();
  return row ? JSON.parse(row.result) : undefined;
}

export function rememberGraphApply(sql: Sql, principalId: string, key: string, result: unknown, at: number): void {
  sql.db
    .insert(graphIdempotency)
    .values({ principalId, key, result: JSON.stringify(result), at })
    .run();
}

/** The Hatchery's graph.apply keys: kept as long as the Autopilot's. Returns how many are left. */
export function sweepGraphIdempotency(sql: Sql, now: number): number {
  sql.db
    .delete(graphIdempotency)
    .where(lt(graphIdempotency.at, now - IDEMPOTENCY_TTL_MS))
    .run();
  return sql.db.select({ n: count() }).from(graphIdempotency).get()?.n ?? 0;
}
