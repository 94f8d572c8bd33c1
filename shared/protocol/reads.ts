import { z } from "zod";
import { EntityId, mutatingParams } from "./common";

/**
 * Protocol 10: read state, kept in the room per principal (a person or an agent key) and
 * thread, so every device of a person shows the same unread counts (docs/inbox.md, "Read
 * state"). A marker names the newest message read (`n`, the message's room-wide ordinal) and
 * how many of the thread's messages that covers (`count`: those up to `n` and the reader's own
 * after it): the thread's unread count is its `messageCount` less `count`. A marker only moves
 * forward; one that stays at its message may count more (the reader's own message after it).
 */
export const ThreadRead = z.object({
  n: z.number().int().nonnegative(),
  count: z.number().int().nonnegative(),
});
export type ThreadRead = z.infer<typeof ThreadRead>;

/** Markers a principal keeps (the newest; an older one goes and its thread counts as never opened). */
export const MAX_THREAD_READS = 1000;

/** A principal's markers by thread id: the newest MAX_THREAD_READS, as a hello carries them. */
export const ThreadReads = z
  .record(EntityId, ThreadRead)
  .refine((reads) => Object.keys(reads).length <= MAX_THREAD_READS, {
    message: `at most ${MAX_THREAD_READS} markers`,
  });
export type ThreadReads = z.infer<typeof ThreadReads>;

// --- methods ---------------------------------------------------------------

/**
 * Marks the thread read through the message with ordinal `throughN` (a later one than the
 * thread's newest counts as its newest). A marker at or past it stays as it is. For a person,
 * the inbox items of that thread whose message it newly covers are read with it.
 */
export const ThreadsMarkReadParams = mutatingParams({
  threadId: EntityId,
  throughN: z.number().int().positive(),
});
/** The marker as it stands after the call (unchanged when it was already there). */
export const ThreadsMarkReadResult = z.object({ threadId: EntityId, read: ThreadRead });

// --- events ----------------------------------------------------------------

/** Ephemeral, to the reader's own sockets only: one of their markers moved. */
export const ThreadReadPayload = z.object({ threadId: EntityId, read: ThreadRead });
