import type { z } from "zod";
import {
  MAX_MEMORY_ENTRIES,
  type MemoryDeleteParams,
  type MemoryEntry,
  type MemoryListParams,
  type MemoryPutParams,
} from "../../../../../shared/protocol/agent";
import { readable } from "../../../../records/codec";
import { memoryRecord } from "../../../../records/documents";
import { asc, count, eq, sql as q } from "drizzle-orm";
import type { OpContext } from "../../kernel/commit";
import { excluded, hasRow, param, preparedPerRoom } from "../../../../domain/db/client";
import { memory } from "./tables";
import { RoomError } from "../../../../domain/errors";
import type { Sql } from "../../../../domain/sql";
import { CommittedMemo } from "../../../../domain/turn-memo";

// The workspace memory: short notes under keys, kept by people and by the Autopilot (its
// instructions carry them). Every change is a durable event, so every client sees it.

// The memory's first entries by key, what a listing without a prefix and the instructions read: prepared once per room.
const firstEntries = preparedPerRoom((db) =>
  db.select({ doc: memory.doc }).from(memory).orderBy(asc(memory.key)).limit(param("limit")).prepare(),
);

export function listMemory(sql: Sql, params: z.output<typeof MemoryListParams>): { entries: MemoryEntry[] } {
  const rows = params.prefix
    ? sql.db
        .select({ doc: memory.doc })
        .from(memory)
        .where(eq(q`substr(${memory.key}, 1, ${params.prefix.length})`, params.prefix))
        .orderBy(asc(memory.key))
        .limit(params.limit)
        .all()
    : firstEntries(sql.db).all({ limit: params.limit });
  return { entries: readable(rows, (r) => memoryRecord.decode(r.doc)) };
}

/**
 * The memory every run's and every task step's instructions carry (all of it: the memory holds
 * at most MAX_MEMORY_ENTRIES), kept until the memory is written: a task of many steps read and
 * decoded every entry again before each model call. putMemory and deleteMemory, its only
 * writers, say when it changed.
 */
const forInstructions = new CommittedMemo<"all", readonly MemoryEntry[]>(1);

export function memoryForInstructions(sql: Sql): readonly MemoryEntry[] {
  return forInstructions.read(sql, "all", () => listMemory(sql, { limit: MAX_MEMORY_ENTRIES }).entries);
}

export function putMemory(ctx: OpContext, params: z.output<typeof MemoryPutParams>): { entry: MemoryEntry } {
  forInstructions.written(ctx.sql, "all");
  const exists = hasRow(ctx.sql.db, memory, eq(memory.key, params.key));
  if (!exists && (ctx.sql.db.select({ n: count() }).from(memory).get()?.n ?? 0) >= MAX_MEMORY_ENTRIES) {
    throw new RoomError("conflict", `the memory is full (${MAX_MEMORY_ENTRIES} entries): delete one first`, {
      limit: MAX_MEMORY_ENTRIES,
    });
  }
  const entry: MemoryEntry = { key: params.key, value: params.value, updatedBy: ctx.actor, updatedAt: ctx.now };
  ctx.sql.db
    .insert(memory)
    .values({ key: entry.key, updatedAt: entry.updatedAt, doc: memoryRecord.encode(entry) })
    .onConflictDoUpdate({ target: memory.key, set: { updatedAt: excluded("updated_at"), doc: excluded("doc") } })
    .run();
  ctx.emit("memory.updated", { entry });
  ctx.audit("memory.put", entry.key);
  return { entry };
}

export function deleteMemory(ctx: OpContext, params: z.output<typeof MemoryDeleteParams>): { deleted: boolean } {
  forInstructions.written(ctx.sql, "all");
  if (ctx.sql.db.delete(memory).where(eq(memory.key, params.key)).returning({ key: memory.key }).all().length === 0)
    return { deleted: false };
  ctx.emit("memory.deleted", { key: params.key, by: ctx.actor });
  ctx.audit("memory.delete", params.key);
  return { deleted: true };
}
