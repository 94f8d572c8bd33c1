import { and, asc, eq, lt } from "drizzle-orm";
import { excluded, param, preparedPerRoom } from "../../../domain/db/client";
import { featureRecords } from "./tables";
import type { Sql } from "../../../domain/sql";
import type { RecordCodec } from "../../../records/codec";
import { StoredRecordError } from "../../../records/codec";

/**
 * Small documents a feature keeps by key (a person's pinned threads, say) in the room's one
 * `feature_records` table, so a feature with such state needs no table and no migration of
 * its own. Each store is one record kind: its codec versions and validates every document
 * (records/codec.ts), and a row it cannot read is logged there and read as absent, so it never
 * breaks a request for anyone else. Writes go through the caller's SQL, inside its commit.
 */
export interface FeatureStore<T> {
  get(sql: Sql, key: string): T | null;
  put(sql: Sql, key: string, value: T, now: number): void;
  delete(sql: Sql, key: string): void;
  /** Drops the documents last written before `before` (a store of things that run out). */
  deleteWrittenBefore(sql: Sql, before: number): void;
  /** The documents whose key starts with `prefix`, by key (a store kept small: it reads them all). */
  entries(sql: Sql, prefix?: string): { key: string; value: T }[];
}

// Every store's reads and writes, the kind a parameter: prepared once per room (a remote
// socket of the fan-out tier is written on its open, its settling and its close).
const statements = preparedPerRoom((db) => {
  const at = and(eq(featureRecords.kind, param("kind")), eq(featureRecords.key, param("key")));
  return {
    get: db.select({ doc: featureRecords.doc }).from(featureRecords).where(at).prepare(),
    put: db
      .insert(featureRecords)
      .values({ kind: param("kind"), key: param("key"), doc: param("doc"), updatedAt: param("updatedAt") })
      .onConflictDoUpdate({
        target: [featureRecords.kind, featureRecords.key],
        set: { doc: excluded("doc"), updatedAt: excluded("updated_at") },
      })
      .prepare(),
    delete: db.delete(featureRecords).where(at).prepare(),
    entries: db
      .select({ key: featureRecords.key, doc: featureRecords.doc })
      .from(featureRecords)
      .where(eq(featureRecords.kind, param("kind")))
      .orderBy(asc(featureRecords.key))
      .prepare(),
    deleteWrittenBefore: db
      .delete(featureRecords)
      .where(and(eq(featureRecords.kind, param("kind")), lt(featureRecords.updatedAt, param("before"))))
      .prepare(),
  };
});

export function featureStore<T>(codec: RecordCodec<T>): FeatureStore<T> {
  const { kind } = codec;
  return {
    get(sql, key) {
      const row = statements(sql.db).get.get({ kind, key });
      if (!row) return null;
      try {
        return codec.decode(row.doc);
      } catch (error) {
        if (error instanceof StoredRecordError) return null;
        throw error;
      }
    },
    put(sql, key, value, now) {
      statements(sql.db).put.run({ kind, key, doc: codec.encode(value), updatedAt: now });
    },
    delete(sql, key) {
      statements(sql.db).delete.run({ kind, key });
    },
    entries(sql, prefix = "") {
      return statements(sql.db)
        .entries.all({ kind })
        .flatMap((row) => {
          if (!row.key.startsWith(prefix)) return [];
          try {
            return [{ key: row.key, value: codec.decode(row.doc) }];
          } catch (error) {
            if (error instanceof StoredRecordError) return [];
            throw error;
          }
        });
    },
    deleteWrittenBefore(sql, before) {
      statements(sql.db).deleteWrittenBefore.run({ kind, before });
    },
  };
}
