import { desc, eq, sql } from "drizzle-orm";
import type { Env } from "../env";
import { authDb } from "./db/client";
import { devMail } from "./db/schema";
import { headerAddress, headerValue } from "./mail-headers";

export interface Mail {
  to: string;
  subject: string;
  text: string;
  /** The one link the mail is about (verification, invitation), shown by the dev outbox. */
  link: string;
}

/**
 * Sends one e-mail. There is no mail server locally, so every mail is also logged (the
 * `npm start` console shows the link; with a mail server, the link is left out of the log); with DEV_MAIL_OUTBOX=1 (local and tests only, never
 * in wrangler.toml) it is kept in D1 for the dev outbox route the app and tests read; with
 * MAIL_API_URL set it is POSTed to a Resend-compatible HTTP mail API
 * (`{from, to, subject, text}`, `Authorization: Bearer MAIL_API_KEY`).
 */
export async function sendMail(env: Env, given: Mail): Promise<void> {
  // The one place a mail is built: its header values are made safe here, whoever wrote them.
  const mail: Mail = { ...given, to: headerAddress(given.to), subject: headerValue(given.subject) };
  // The link signs its reader in (verification): logged only where no mail server carries it.
  console.log(
    JSON.stringify({ msg: "mail", to: mail.to, subject: mail.subject, ...(!env.MAIL_API_URL && { link: mail.link }) }),
  );
  if (env.DEV_MAIL_OUTBOX === "1") {
    await authDb(env.DB)
      .insert(devMail)
      .values({
        id: crypto.randomUUID(),
        to: sql`lower(${mail.to})`,
        subject: mail.subject,
        text: mail.text,
        link: mail.link,
        createdAt: Date.now(),
      })
      .run();
  }
  if (env.MAIL_API_URL) {
    const res = await fetch(env.MAIL_API_URL, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        ...(env.MAIL_API_KEY && { authorization: `Bearer ${env.MAIL_API_KEY}` }),
      },
      body: JSON.stringify({
        from: headerValue(env.MAIL_FROM ?? "Autopilot <no-reply@localhost>"),
        to: [mail.to],
        subject: mail.subject,
        text: mail.text,
      }),
    });
    if (!res.ok) throw new Error(`mail API answered ${res.status}`);
  }
}

/** The dev outbox of one address, newest first (DEV_MAIL_OUTBOX=1 only). */
export async function devOutbox(env: Env, to: string): Promise<(Omit<Mail, "to"> & { createdAt: number })[]> {
  return authDb(env.DB)
    .select({ subject: devMail.subject, text: devMail.text, link: devMail.link, createdAt: devMail.createdAt })
    .from(devMail)
    .where(eq(devMail.to, sql`lower(${to})`))
    .orderBy(desc(devMail.createdAt))
    .limit(20)
    .all();
}
