import { and, count, eq, inArray, isNull, lt, sum } from "drizzle-orm";
import type { MessageAttachment } from "../../../../../shared/protocol/threads";
import type { OpContext } from "../../kernel/commit";
import { files } from "./tables";
import { RoomError } from "../../../../domain/errors";
import type { Sql } from "../../../../domain/sql";

// Files in threads: the room's record of each file the Worker stored (party/files/). The
// bytes are in R2; a message carries a file once (`chat.send {attachments}`), and a file
// no message took is forgotten after UNATTACHED_FILE_TTL_MS.

/** How long an uploaded file waits for a message before the retention sweep deletes it. */
export const UNATTACHED_FILE_TTL_MS = 24 * 60 * 60 * 1000;

/** A file as the Worker records it after storing its bytes. */
export interface StoredFile {
  id: string;
  name: string;
  type: string;
  size: number;
  sha256: string;
  uploadedBy: string;
  createdAt: number;
}

/** What the workspace's recorded files take together, in bytes. */
export const storedBytes = (sql: Sql): number =>
  Number(
    sql.db
      .select({ n: sum(files.size) })
      .from(files)
      .get()?.n ?? 0,
  );

/**
 * Records a stored file (once: the same id again changes nothing), unless the workspace's
 * files would then take more than `maxBytes`: false, and the caller deletes the bytes.
 */
export function recordFile(sql: Sql, file: StoredFile, maxBytes = Number.POSITIVE_INFINITY): boolean {
  // Synchronous: nothing else runs in the room between the sum and the insert.
  if (fileById(sql, file.id)) return true;
  if (storedBytes(sql) + file.size > maxBytes) return false;
  sql.db
    .insert(files)
    .values({ ...file, messageId: null })
    .onConflictDoNothing()
    .run();
  return true;
}

/**
 * The files `ids` names, in that order, as a message's attachments. Each must be
 * a file of this workspace that the sender uploaded and no message carries yet; otherwise
 * nothing is attached and the request fails (`not_found` for a file that is not there or
 * is someone else's — the sender learns nothing of others' files — `conflict` for one
 * already attached).
 */
export function claimFiles(ctx: OpContext, ids: readonly string[]): MessageAttachment[] {
  if (new Set(ids).size !== ids.length)
    throw new RoomError("bad_request", "a file is attached twice", { fileIds: ids });
  const rows = ctx.sql.db
    .select()
    .from(files)
    .where(inArray(files.id, [...ids]))
    .all();
  return ids.map((id): MessageAttachment => {
    const row = rows.find((r) => r.id === id);
    if (!row || row.uploadedBy !== ctx.principal.id)
      throw new RoomError("not_found", `no file ${id} of yours to attach`, { fileId: id });
    if (row.messageId !== null)
      throw new RoomError("conflict", `file ${id} is already attached to a message`, { fileId: id });
    return { id: row.id, name: row.name, type: row.type, size: row.size };
  });
}

/** Marks claimed files as carried by `messageId`, in the transaction that stores the message. */
export function markAttached(sql: Sql, ids: readonly string[], messageId: string): void {
  sql.db
    .update(files)
    .set({ messageId })
    .where(and(inArray(files.id, [...ids]), isNull(files.messageId)))
    .run();
}

/** Unattached files older than their time: their rows are gone when this returns, and it returns their ids (their bytes are the caller's to delete). */
export function forgetUnattachedFiles(sql: Sql, now: number): string[] {
  return sql.db
    .delete(files)
    .where(and(isNull(files.messageId), lt(files.createdAt, now - UNATTACHED_FILE_TTL_MS)))
    .returning({ id: files.id })
    .all()
    .map((r) => r.id);
}

/** How many files still wait for a message (each a reason for a later sweep). */
export const unattachedFiles = (sql: Sql): number =>
  sql.db.select({ n: count() }).from(files).where(isNull(files.messageId)).get()?.n ?? 0;

/** A file's record, or null. */
export const fileById = (sql: Sql, id: string) => sql.db.select().from(files).where(eq(files.id, id)).get() ?? null;
