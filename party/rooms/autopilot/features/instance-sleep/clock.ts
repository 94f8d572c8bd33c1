// Each hosted instance's idle clock (decision 78), kept in the room's SQLite so that it
// survives an eviction or a deploy and needs no timer in memory: a pending timer would keep
// the room's Durable Object in memory (billed) for the whole idle time, and die with it.
// One alarm of the room's scheduler, at the earliest time any instance is due, looks at them
// all (sleeper.ts).
import { z } from "zod";
import type { Sql } from "../../../../domain/sql";
import { defineRecord } from "../../../../records/codec";
import { featureStore } from "../../kernel/feature-store";

/** The scheduled callback that looks at the instances whose idle time ran out. */
export const SLEEP_IDLE = "sleepIdleInstances";

/** An instance's clock as stored: the time of its last activity the room wrote down. */
const clockRecord = defineRecord("instance idle clock", z.object({ at: z.number().int().min(0) }));
const store = featureStore(clockRecord);

/**
 * How stale the stored activity time may get before a new activity is written: a burst of
 * messages in a thread is one write, not one per message. A room evicted in between loses at
 * most this much of its in-memory activity, which the due time read from storage adds back,
 * so an instance sleeps at most this much later than its idle time says, never earlier.
 */
export const writeEvery = (idleMs: number): number => Math.min(60_000, Math.floor(idleMs / 10));

export const storedClock = (sql: Sql, instanceId: string): number | null => store.get(sql, instanceId)?.at ?? null;

export const writeClock = (sql: Sql, instanceId: string, at: number): void => store.put(sql, instanceId, { at }, at);

export const dropClock = (sql: Sql, instanceId: string): void => store.delete(sql, instanceId);

/** Every stored clock, by instance id. */
export const storedClocks = (sql: Sql): { instanceId: string; at: number }[] =>
  store.entries(sql).map(({ key, value }) => ({ instanceId: key, at: value.at }));
