import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

/**
 * The project's own D1 tables, as party/migrations creates them (applied migrations are
 * never edited: a change here comes with a new numbered migration there, and
 * party/auth/db/d1-schema.room.test.ts fails until both agree). better-auth's tables are not
 * here: better-auth writes them, and the few columns the access checks read are typed in
 * better-auth-tables.ts.
 */

// The columns that mean the same thing in these tables (D1's own names, camelCase like better-auth's).
/** The workspace (better-auth's organization id) the row belongs to. */
const workspaceId = () => text("workspaceId").notNull();
/** When the row was made (ms). */
const createdAt = () => integer("createdAt").notNull();
/** When what the row grants stops counting (ms). */
const expiresAt = () => integer("expiresAt").notNull();
/** The SHA-256 of a secret the row stands for (the secret itself is never stored), its key. */
const hashKey = () => text("hash").primaryKey();

/** Single-use, short-lived connect tickets; only the SHA-256 of a ticket is stored. */
export const connectTicket = sqliteTable(
  "connect_ticket",
  {
    hash: hashKey(),
    workspaceId: workspaceId(),
    principal: text("principal").notNull(),
    expiresAt: expiresAt(),
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
    createdAt: createdAt(),
  },
  (t) => [index("dev_mail_to_idx").on(t.to, t.createdAt)],
);

/** Requests counted per bucket in the current window: connect tickets per principal, agent sign-ups and key sign-ins per client address (party/auth/rate-limits.ts). */
export const requestQuota = sqliteTable("request_quota", {
  bucket: text("bucket").primaryKey(),
  count: integer("count").notNull(),
  lastRequest: integer("lastRequest").notNull(),
});

/** Browser sessions opened with an API key (party/auth/key-sessions.ts); only the SHA-256 of a cookie's token is stored. */
export const keySession = sqliteTable(
  "key_session",
  {
    hash: hashKey(),
    keyId: text("keyId").notNull(),
    workspaceId: workspaceId(),
    expiresAt: expiresAt(),
  },
  (t) => [index("key_session_keyId_idx").on(t.keyId), index("key_session_expiresAt_idx").on(t.expiresAt)],
);

/** One-time invitations for an agent to join a workspace (party/auth/agent-invitations.ts); only the SHA-256 of a token is stored. */
export const agentInvitation = sqliteTable(
  "agent_invitation",
  {
    id: text("id").primaryKey(),
    hash: text("hash").notNull().unique(),
    workspaceId: workspaceId(),
    /** JSON array of scopes the joining agent's key gets. */
    scopes: text("scopes").notNull(),
    /** The principal who minted it (a person's id, or `agent_<key id>`). */
    createdBy: text("createdBy").notNull(),
    /** The person whose permission in the workspace creates the key (better-auth checks it when the key is made). */
    issuer: text("issuer").notNull(),
    createdAt: createdAt(),
    expiresAt: expiresAt(),
    usedAt: integer("usedAt"),
    keyId: text("keyId"),
  },
  (t) => [index("agent_invitation_workspaceId_idx").on(t.workspaceId)],
);

/**
 * Nostr identities (party/auth/nostr-identities.ts): the person or agent key a pubkey belongs
 * to. `workspaceId` is where it was registered (an agent key's own workspace); `custody` is
 * `own` (registered with proof of the secret) or `custodial` (the server holds the secret).
 */
export const nostrIdentity = sqliteTable(
  "nostr_identity",
  {
    pubkey: text("pubkey").primaryKey(),
    principalId: text("principalId").notNull(),
    principalKind: text("principalKind").notNull(),
    workspaceId: workspaceId(),
    custody: text("custody").notNull(),
    createdAt: createdAt(),
  },
  (t) => [index("nostr_identity_principalId_idx").on(t.principalId)],
);

/**
 * Custodial Nostr keys (party/auth/nostr-custody.ts): the server signs with them, their
 * secret sealed (AES-GCM under a key from a Worker secret) and never sent anywhere.
 * `holder` is a principal's id, `autopilot:<workspaceId>` or `workspace:<workspaceId>`.
 */
export const nostrCustody = sqliteTable(
  "nostr_custody",
  {
    pubkey: text("pubkey").primaryKey(),
    holder: text("holder").notNull(),
    sealed: text("sealed").notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("nostr_custody_holder_idx").on(t.holder)],
);
