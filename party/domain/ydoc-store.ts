import * as Y from "yjs";
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

export function migrateYdocStore(sql: Sql): void {
  sql.run(`create table if not exists ydoc_snapshot (chunk integer primary key, data blob not null)`);
  sql.run(`create table if not exists ydoc_updates (n integer primary key autoincrement, data blob not null)`);
}

export function appendUpdate(sql: Sql, update: Uint8Array): number {
  sql.run(`insert into ydoc_updates (data) values (?)`, toArrayBuffer(update));
  return sql.one<{ c: number }>(`select count(*) as c from ydoc_updates`)!.c;
}

export function loadDoc(sql: Sql): Y.Doc {
  const doc = new Y.Doc();
  const chunks = sql.all<{ data: ArrayBuffer }>(`select data from ydoc_snapshot order by chunk`);
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
  for (const row of sql.all<{ data: ArrayBuffer }>(`select data from ydoc_updates order by n`)) {
    Y.applyUpdate(doc, new Uint8Array(row.data));
  }
  return doc;
}

/** Replaces snapshot + updates with one fresh snapshot, atomically. */
export function compact(sql: Sql, doc: Y.Doc): { bytes: number; chunks: number } {
  const state = Y.encodeStateAsUpdate(doc);
  const chunks = Math.max(1, Math.ceil(state.byteLength / CHUNK_BYTES));
  sql.transaction(() => {
    sql.run(`delete from ydoc_snapshot`);
    for (let i = 0; i < chunks; i++) {
      sql.run(`insert into ydoc_snapshot (chunk, data) values (?, ?)`, i, toArrayBuffer(state.subarray(i * CHUNK_BYTES, (i + 1) * CHUNK_BYTES)));
    }
    sql.run(`delete from ydoc_updates`);
  });
  return { bytes: state.byteLength, chunks };
}

/** Bytes stored for the document (snapshot + pending update rows): an upper bound of its encoded size. */
export function storedBytes(sql: Sql): number {
  const row = sql.one<{ b: number }>(`select (select coalesce(sum(length(data)), 0) from ydoc_snapshot) + (select coalesce(sum(length(data)), 0) from ydoc_updates) as b`);
  return row?.b ?? 0;
}
