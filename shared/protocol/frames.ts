import { z } from "zod";
import { ErrorShape } from "./errors";

/** Largest frame a room accepts from a client; larger ones get `payload_too_large`. */
export const MAX_CLIENT_FRAME_BYTES = 64 * 1024;

export const RequestId = z.string().min(1).max(64);

export const RequestFrame = z.object({
  type: z.literal("req"),
  id: RequestId,
  method: z.string().min(1).max(64),
  params: z.unknown().optional(),
});
export type RequestFrame = z.infer<typeof RequestFrame>;

export const ResponseOkFrame = z.object({
  type: z.literal("res"),
  id: z.string(),
  ok: z.literal(true),
  payload: z.unknown(),
});

export const ResponseErrorFrame = z.object({
  type: z.literal("res"),
  id: z.string(),
  ok: z.literal(false),
  error: ErrorShape,
});

export const ResponseFrame = z.discriminatedUnion("ok", [ResponseOkFrame, ResponseErrorFrame]);
export type ResponseFrame = z.infer<typeof ResponseFrame>;

/** `seq` is present on durable events only; ephemeral ones (presence, deltas) omit it. */
export const EventFrame = z.object({
  type: z.literal("event"),
  event: z.string(),
  payload: z.unknown(),
  seq: z.number().int().positive().optional(),
});
export type EventFrame = z.infer<typeof EventFrame>;

export const ServerFrame = z.union([ResponseFrame, EventFrame]);
export type ServerFrame = z.infer<typeof ServerFrame>;
