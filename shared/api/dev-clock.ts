import { z } from "zod";

/** `POST /api/dev/clock` (DEV_TEST_CLOCK=1 and loopback only, decision 85): move the server's clock by `offsetMs` from the real time. */
export const DevClockBody = z.object({
  offsetMs: z
    .number()
    .int()
    .min(-31 * 24 * 3600_000)
    .max(31 * 24 * 3600_000),
});

/** The clock as the server then reads it. */
export const DevClockResponse = z.object({ offsetMs: z.number().int(), now: z.number().int() });
export type DevClockResponse = z.infer<typeof DevClockResponse>;
