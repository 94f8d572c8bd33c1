import { and, eq } from "drizzle-orm";
import { param, preparedPerRoom } from "./db/client";
import { idempotency } from "./db/schema";
import { RoomError } from "./errors";
import type { Sql } from "./sql";
import { decodeResult, encodeResult } from "../records/results";

/** How long a key is remembered; a client retrying later than this gets a new effect. */
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;

// Looked up by every request that carries a key: prepared once per room.
const statements = preparedPerRoom((db) => ({
  recall: db
    .select({ method: idempotency.method, result: idempotency.result })
    .from(idempotency)
    .where(and(eq(idempotency.principalId, param("principalId")), eq(idempotency.key, param("key"))))
    .prepare(),
  remember: db
    .insert(idempotency)
    .values({ principalId: param("principalId"), key: param("key"), method: param("method"), result: param("result"), at: param("at") })
    .prepare(),
}));

/** The stored result of an earlier request with this key, if any. Keys are per principal. */
export function recall(sql: Sql, principalId: string, key: string, method: string): unknown | undefined {
  const row = statements(sql.db).recall.get({ principalId, key });
  if (!row) return undefined;
  if (row.method !== method) {
    throw new RoomError("idempotency_conflict", `idempotency key was already used for ${row.method}`, { method: row.method });
  }
  return decodeResult(method, row.result);
}

export function remember(sql: Sql, principalId: string, key: string, method: string, result: unknown, now: number): void {
  statements(sql.db).remember.run({ principalId, key, method, result: encodeResult(method, result), at: now });
}
