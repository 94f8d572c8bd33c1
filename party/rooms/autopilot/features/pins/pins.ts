import { z } from "zod";
import { MAX_PINNED_THREADS, type ThreadPins } from "../../../../../shared/protocol/pins";
import { RoomError } from "../../../../domain/errors";
import type { Sql } from "../../../../domain/sql";
import { defineRecord } from "../../../../records/codec";
import { featureStore } from "../../kernel/feature-store";

/** A principal's pins, newest first, kept by principal id (kernel/feature-store.ts). */
const pinsRecord = defineRecord("thread pins", z.object({ pins: z.array(z.string()).max(MAX_PINNED_THREADS) }));
const store = featureStore(pinsRecord);

export const pinsOf = (sql: Sql, principalId: string): ThreadPins => store.get(sql, principalId)?.pins ?? [];

/**
 * Pins `threadId` first, or unpins it; the pins as they stand after, and whether they moved.
 * A thread already where it is asked to be changes nothing; a pin past the cap is refused.
 */
export function setPin(
  sql: Sql,
  principalId: string,
  threadId: string,
  pinned: boolean,
  now: number,
): { pins: ThreadPins; changed: boolean } {
  const pins = pinsOf(sql, principalId);
  if (pins.includes(threadId) === pinned) return { pins, changed: false };
  if (pinned && pins.length >= MAX_PINNED_THREADS)
    throw new RoomError("conflict", `at most ${MAX_PINNED_THREADS} pinned threads: unpin one first`, {
      max: MAX_PINNED_THREADS,
    });
  const next = pinned ? [threadId, ...pins] : pins.filter((id) => id !== threadId);
  if (next.length === 0) store.delete(sql, principalId);
  else store.put(sql, principalId, { pins: next }, now);
  return { pins: next, changed: true };
}
