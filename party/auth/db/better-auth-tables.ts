import { customType, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

/**
 * better-auth's own tables, READ-ONLY and only the columns the access checks rely on. The
 * reads on every socket upgrade and access recheck (a session with its user and
 * membership, an agent key, a person's flags and role) are one indexed query each; through
 * better-auth's API they would be several, or a session-cookie round trip. Everything
 * else, and every write, goes through better-auth (`auth.api.*`, its adapter).
 * party/auth/db/better-auth-columns.room.test.ts pins these columns against the migrated D1 and the
 * schema the installed better-auth declares, so a
 * better-auth upgrade that renames or retypes one fails there, not in production.
 */

/** A `date` column: D1 hands it back as epoch milliseconds or ISO text, depending on who wrote it (see d1-time.ts). */
const date = customType<{ data: string | number; driverData: string | number }>({ dataType: () => "date" });

export const baUser = sqliteTable("user", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  email: text("email").notNull(),
  banned: integer("banned"),
  banExpires: date("banExpires"),
  waitlisted: integer("waitlisted"),
});

export const baSession = sqliteTable("session", {
  id: text("id").primaryKey(),
  token: text("token").notNull(),
  userId: text("userId").notNull(),
  expiresAt: date("expiresAt").notNull(),
});

export const baMember = sqliteTable("member", {
  id: text("id").primaryKey(),
  organizationId: text("organizationId").notNull(),
  userId: text("userId").notNull(),
  role: text("role").notNull(),
});

/** An invitation's status, which a membership refused for want of a seat sets back to pending (party/auth/seats.ts). */
export const baInvitation = sqliteTable("invitation", {
  id: text("id").primaryKey(),
  status: text("status").notNull(),
});

export const baApiKey = sqliteTable("apikey", {
  id: text("id").primaryKey(),
  referenceId: text("referenceId").notNull(),
  name: text("name"),
  enabled: integer("enabled"),
  expiresAt: date("expiresAt"),
  metadata: text("metadata"),
});

/** A workspace (better-auth's organization): its name, for the community's attribution (party/auth/nostr-attribution.ts). */
export const baOrganization = sqliteTable("organization", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
});
