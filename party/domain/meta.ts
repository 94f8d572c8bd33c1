import { eq } from "drizzle-orm";
import { excluded, param, preparedPerRoom } from "./db/client";
import { roomMeta } from "./db/room-meta";
import type { Sql } from "./sql";
import { CommittedMemo } from "./turn-memo";

// The key/value meta both rooms keep (the epoch, the event sequence, the Hatchery's pulled sequence).

// Read and written with every durable event: prepared once per room.
const metaStatements = preparedPerRoom((db) => ({
  get: db
    .select({ value: roomMeta.value })
    .from(roomMeta)
    .where(eq(roomMeta.key, param("key")))
    .prepare(),
  set: db
    .insert(roomMeta)
    .values({ key: param("key"), value: param("value") })
    .onConflictDoUpdate({ target: roomMeta.key, set: { value: excluded("value") } })
    .prepare(),
}));

/**
 * The values as last read, until written: most keys change seldom (the subscription, the alerts
 * told, the settings) and are read on every model call and commit (decision 81). Every write
 * goes through setMeta.
 */
const kept = new CommittedMemo<string, string | null>(64);

export function getMeta(sql: Sql, key: string): string | null {
  return kept.read(sql, key, () => metaStatements(sql.db).get.get({ key })?.value ?? null);
}

export function setMeta(sql: Sql, key: string, value: string): void {
  kept.written(sql, key);
  metaStatements(sql.db).set.run({ key, value });
}

/**
 * The record kept under `key`, read with `record`; null when none is kept or it does not read
 * (the codec logs why), so the caller's defaults stand until someone writes it again.
 */
export function getMetaRecord<T>(sql: Sql, key: string, record: { decode(text: string): T }): T | null {
  const stored = getMeta(sql, key);
  if (stored === null) return null;
  try {
    return record.decode(stored);
  } catch {
    return null;
  }
}
