import { z } from "zod";

/** `GET /api/dev/mail` (DEV_MAIL_OUTBOX=1 only): the mails sent to the signed-in address, newest first. */
export const DevMailResponse = z.object({
  mails: z.array(z.object({ subject: z.string(), text: z.string(), link: z.string(), createdAt: z.number() })),
});
export type DevMail = z.infer<typeof DevMailResponse>["mails"][number];
