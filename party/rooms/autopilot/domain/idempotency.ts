import { and, eq } from "drizzle-orm";
import { param, preparedPerRoom } from "../../../domain/db/client";
import { idempotency } from "../../../domain/db/schema";
import { RoomError } from "../../../domain/errors";
import type { Sql } from "../../../domain/sql";
import { decodeResult, encodeResult } from "../../../records/results";

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
