import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

/**
 * The project's own D1 tables, as party/migrations creates them (applied migrations are
 * never edited: a change here comes with a new numbered migration there, and
 * party/test/d1-schema.test.ts fails until both agree). better-auth's tables are not
 * here: better-auth writes them, and the few columns the access checks read are typed in
 * better-auth-tables.ts.
 */

/** Single-use, short-lived connect tickets; only the SHA-256 of a ticket is stored. */
export const connectTicket = sqliteTable(
  "connect_ticket",
  {
    hash: text("hash").primaryKey(),
    workspaceId: text("workspaceId").notNull(),
    principal: text("principal").notNull(),
    expiresAt: integer("expiresAt").notNull(),
  },
  (t) => [index("connect_ticket_expiresAt_idx").on(t.expiresAt)],
);

/** The dev mail outbox (DEV_MAIL_OUTBOX=1, local and tests only). */
export const devMail = sqliteTable(
  "dev_mail",
  {
    id: text("id").primaryKey(),
    to: text("to").notNull(),
    subject: text("subject").notNull(),
    text: text("text").notNull(),
    link: text("link").notNull(),
    createdAt: integer("createdAt").notNull(),
  },
  (t) => [index("dev_mail_to_idx").on(t.to, t.createdAt)],
);

/** Connect tickets minted per principal in the current window (party/auth/rate-limits.ts). */
export const ticketQuota = sqliteTable("ticket_quota", {
  principal: text("principal").primaryKey(),
  count: integer("count").notNull(),
  lastRequest: integer("lastRequest").notNull(),
});
