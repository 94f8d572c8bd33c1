import { z } from "zod";

/** Every mutating method carries one; repeating it returns the first result. */
export const IdempotencyKey = z.string().min(8).max(128);
export const EntityId = z.string().min(1).max(64);
/** Milliseconds since the epoch. */
export const Timestamp = z.number().int().nonnegative();
export const Title = z.string().trim().min(1).max(200);

/** Longest message text a thread accepts (and so a gateway session, through the room). */
export const MAX_MESSAGE_TEXT = 32_000;

/**
 * A mutating method's params: its own fields, then the idempotency key every mutating method
 * carries (decision 3), last, as the wire description lists it.
 */
export const mutatingParams = <Fields extends z.ZodRawShape>(fields: Fields) =>
  z.object({ ...fields, idempotencyKey: IdempotencyKey });
