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
/** Compact once this many updates have piled up. */
export const COMPACT_AFTER_UPDATES = 500;
/**
 * The debounced save compacts only when the updates piled up since the snapshot are at least
 * this many bytes, or this share of the snapshot: a compaction encodes and writes the whole
 * document, so one per save made every burst of the Autopilot's changes cost the canvas's
 * whole size, while the updates it folds are already durable rows a load applies in order.
 */
export const COMPACT_AFTER_BYTES = 256 * 1024;
export const COMPACT_AFTER_SHARE = 0.25;

/** The updates piled up since the snapshot, and the snapshot's size: what decides a compaction. */
export interface Pending {
  updates: number;
  updateBytes: number;
  snapshotBytes: number;
}

/** Whether a save should compact: the piled-up updates are many, or large beside the snapshot. */
export const shouldCompact = (p: Pending): boolean =>
  p.updates >= COMPACT_AFTER_UPDATES ||
  p.updateBytes >= Math.max(COMPACT_AFTER_BYTES, p.snapshotBytes * COMPACT_AFTER_SHARE);

/** SQLite binds blobs from ArrayBuffers; a Uint8Array view may cover only part of one. */
const toArrayBuffer = (bytes: Uint8Array): ArrayBuffer => bytes.slice().buffer as ArrayBuffer;

/** Appends one update as its own row (the Hatchery's tables come from its migrations, party/domain/db/). */
export function appendUpdate(sql: Sql, update: Uint8Array): void {
  sql.db
    .insert(ydocUpdates)
    .values({ data: toArrayBuffer(update) })
    .run();
}

/** What is stored now: the updates since the snapshot (how many, their bytes) and the snapshot's bytes. */
export function pendingOf(sql: Sql): Pending {
  const updates = sql.db
    .select({ n: count(), b: sum(q`length(${ydocUpdates.data})`) })
    .from(ydocUpdates)
    .get();
  const snapshot = sql.db
    .select({ b: sum(q`length(${ydocSnapshot.data})`) })
    .from(ydocSnapshot)
    .get();
  return { updates: updates?.n ?? 0, updateBytes: Number(updates?.b ?? 0), snapshotBytes: Number(snapshot?.b ?? 0) };
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
