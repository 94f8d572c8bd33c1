import { RoomError } from "./errors";
import type { Sql } from "./sql";
import { decodeResult, encodeResult } from "../records/results";

/** How long a key is remembered; a client retrying later than this gets a new effect. */
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;

/** The stored result of an earlier request with this key, if any. Keys are per principal. */
export function recall(sql: Sql, principalId: string, key: string, method: string): unknown | undefined {
  const row = sql.one<{ method: string; result: string }>(`select method, result from idempotency where principal_id = ? and key = ?`, principalId, key);
  if (!row) return undefined;
  if (row.method !== method) {
    throw new RoomError("idempotency_conflict", `idempotency key was already used for ${row.method}`, { method: row.method });
  }
  return decodeResult(method, row.result);
}

export function remember(sql: Sql, principalId: string, key: string, method: string, result: unknown, now: number): void {
  sql.run(`insert into idempotency (principal_id, key, method, result, at) values (?, ?, ?, ?, ?)`, principalId, key, method, encodeResult(method, result), now);
}
