import type { z } from "zod";
import { MAX_MEMORY_ENTRIES, type MemoryDeleteParams, type MemoryEntry, type MemoryListParams, type MemoryPutParams } from "../../shared/protocol/agent";
import { readable } from "../records/codec";
import { memoryRecord } from "../records/documents";
import type { OpContext } from "./context";
import { RoomError } from "./errors";
import type { Sql } from "./sql";

// The workspace memory: short notes under keys, kept by people and by the Autopilot (its
// instructions carry them). Every change is a durable event, so every client sees it.

export function listMemory(sql: Sql, params: z.output<typeof MemoryListParams>): { entries: MemoryEntry[] } {
  const rows = params.prefix
    ? sql.all<{ doc: string }>(`select doc from memory where substr(key, 1, ?) = ? order by key limit ?`, params.prefix.length, params.prefix, params.limit)
    : sql.all<{ doc: string }>(`select doc from memory order by key limit ?`, params.limit);
  return { entries: readable(rows, (r) => memoryRecord.decode(r.doc)) };
}

export function putMemory(ctx: OpContext, params: z.output<typeof MemoryPutParams>): { entry: MemoryEntry } {
  const exists = ctx.sql.one(`select 1 as x from memory where key = ?`, params.key) !== null;
  if (!exists && (ctx.sql.one<{ count: number }>(`select count(*) as count from memory`)?.count ?? 0) >= MAX_MEMORY_ENTRIES) {
    throw new RoomError("conflict", `the memory is full (${MAX_MEMORY_ENTRIES} entries): delete one first`, { limit: MAX_MEMORY_ENTRIES });
  }
  const entry: MemoryEntry = { key: params.key, value: params.value, updatedBy: ctx.actor, updatedAt: ctx.now };
  ctx.sql.run(
    `insert into memory (key, updated_at, doc) values (?, ?, ?) on conflict (key) do update set updated_at = excluded.updated_at, doc = excluded.doc`,
    entry.key,
    entry.updatedAt,
    memoryRecord.encode(entry),
  );
  ctx.emit("memory.updated", { entry });
  ctx.audit("memory.put", entry.key);
  return { entry };
}

export function deleteMemory(ctx: OpContext, params: z.output<typeof MemoryDeleteParams>): { deleted: boolean } {
  if (ctx.sql.run(`delete from memory where key = ?`, params.key) === 0) return { deleted: false };
  ctx.emit("memory.deleted", { key: params.key, by: ctx.actor });
  ctx.audit("memory.delete", params.key);
  return { deleted: true };
}
