import { z } from "zod";
import { EntityId, mutatingParams } from "./common";

/**
 * Protocol 11: pinned threads, kept in the room per principal (a person or an agent key), so
 * every device of a person shows the same threads at the top of its list. A principal's pins
 * are thread ids, the most recently pinned first.
 */
export const MAX_PINNED_THREADS = 50;

export const ThreadPins = z.array(EntityId).max(MAX_PINNED_THREADS);
export type ThreadPins = z.infer<typeof ThreadPins>;

// --- methods ---------------------------------------------------------------

/** This principal's pins. */
export const ThreadsPinsParams = z.object({});
export const ThreadsPinsResult = z.object({ pins: ThreadPins });

/**
 * Pins the thread at the top of the principal's pins, or unpins it. Pinning a pinned thread or
 * unpinning one that is not pinned changes nothing. Over MAX_PINNED_THREADS a pin is refused
 * (`conflict`): unpin one first.
 */
export const ThreadsPinParams = mutatingParams({
  threadId: EntityId,
  pinned: z.boolean(),
});
/** The principal's pins as they stand after the call. */
export const ThreadsPinResult = z.object({ pins: ThreadPins });

// --- events ----------------------------------------------------------------

/** Ephemeral, to the principal's own sockets only: their pins changed (all of them, to replace what a client holds). */
export const ThreadPinsPayload = z.object({ pins: ThreadPins });
