import { z } from "zod";

/** `POST /api/connect-ticket`, with a session cookie or an `x-api-key` header. */
export const TicketBody = z.object({ workspaceId: z.string().min(1) });

/** A single-use ticket for one socket connect (the `ticket` query parameter), short-lived. */
export const TicketResponse = z.object({ ticket: z.string().min(1), expiresAt: z.number() });
export type TicketResponse = z.infer<typeof TicketResponse>;
