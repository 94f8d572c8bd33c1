import { count, sql as q, sum } from "drizzle-orm";
import * as Y from "yjs";
import { ydocSnapshot, ydocUpdates } from "./db/hatchery-schema";
import type { Sql } from "./sql";

/**
 * Crash-safe persistence of a Y.Doc in Durable Object SQLite.
 *
 * Every update is appended as its own row the moment it is applied (y-partyserver's
 * onSave is debounced by seconds; a crash inside that window would lose edits). Now and
 * then the rows are compacted into one snapshot, stored in chunks because a SQLite row
 * in a Durable Object holds at most 2 MB.
 */
export const CHUNK_BYTES = 1_000_000;
/** Compact once this many updates have piled up (or on the debounced save). */
export const COMPACT_AFTER_UPDATES = 500;

/** SQLite binds blobs from ArrayBuffers; a Uint8Array view may cover only part of one. */
const toArrayBuffer = (bytes: Uint8Array): ArrayBuffer => bytes.slice().buffer as ArrayBuffer;

/** The Hatchery room's start: all its tables (the document's and the rest) come from its migrations (party/domain/db/). */
export function appendUpdate(sql: Sql, update: Uint8Array): number {
  sql.db
    .insert(ydocUpdates)
    .values({ data: toArrayBuffer(update) })
    .run();
  return sql.db.select({ c: count() }).from(ydocUpdates).get()!.c;
}

export function loadDoc(sql: Sql): Y.Doc {
  const doc = new Y.Doc();
  const chunks = sql.db.select({ data: ydocSnapshot.data }).from(ydocSnapshot).orderBy(ydocSnapshot.chunk).all();
  if (chunks.length > 0) {
    const total = chunks.reduce((n, c) => n + c.data.byteLength, 0);
    const snapshot = new Uint8Array(total);
    let offset = 0;
    for (const c of chunks) {
      snapshot.set(new Uint8Array(c.data), offset);
      offset += c.data.byteLength;
    }
    Y.applyUpdate(doc, snapshot);
  }
  for (const row of sql.db.select({ data: ydocUpdates.data }).from(ydocUpdates).orderBy(ydocUpdates.n).all()) {
    Y.applyUpdate(doc, new Uint8Array(row.data));
  }
  return doc;
}

/** Replaces snapshot + updates with one fresh snapshot, atomically. */
export function compact(sql: Sql, doc: Y.Doc): { bytes: number; chunks: number } {
  const state = Y.encodeStateAsUpdate(doc);
  const chunks = Math.max(1, Math.ceil(state.byteLength / CHUNK_BYTES));
  sql.transaction(() => {
    sql.db.delete(ydocSnapshot).run();
    for (let i = 0; i < chunks; i++) {
      sql.db
        .insert(ydocSnapshot)
        .values({ chunk: i, data: toArrayBuffer(state.subarray(i * CHUNK_BYTES, (i + 1) * CHUNK_BYTES)) })
        .run();
    }
    sql.db.delete(ydocUpdates).run();
  });
  return { bytes: state.byteLength, chunks };
}

/** Bytes stored for the document (snapshot + pending update rows): an upper bound of its encoded size. */
export function storedBytes(sql: Sql): number {
  const stored = (table: typeof ydocSnapshot | typeof ydocUpdates) =>
    Number(
      sql.db
        .select({ b: sum(q`length(${table.data})`) })
        .from(table)
        .get()?.b ?? 0,
    );
  return stored(ydocSnapshot) + stored(ydocUpdates);
}
