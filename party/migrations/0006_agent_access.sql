-- Agents as users (docs/decisions.md, "Agents sign up and sign in with their key").
--
-- The quota table counts more than connect tickets now (agent sign-ups and key sign-ins
-- per client address too): renamed, its key column says it is any bucket.
alter table "ticket_quota" rename to "request_quota";
alter table "request_quota" rename column "principal" to "bucket";

-- A browser session opened with an API key: only the SHA-256 of the cookie's token is
-- stored. It is as good as its key: every read joins the key, so a revoked key ends it.
create table "key_session" (
  "hash" text not null primary key,
  "keyId" text not null,
  "workspaceId" text not null,
  "expiresAt" integer not null
);
create index "key_session_keyId_idx" on "key_session" ("keyId");
create index "key_session_expiresAt_idx" on "key_session" ("expiresAt");

-- A one-time invitation for an agent to join a workspace with a key of the given scopes,
-- minted by a manager; only the SHA-256 of its token is stored.
create table "agent_invitation" (
  "id" text not null primary key,
  "hash" text not null unique,
  "workspaceId" text not null,
  "scopes" text not null,
  "createdBy" text not null,
  "issuer" text not null,
  "createdAt" integer not null,
  "expiresAt" integer not null,
  "usedAt" integer,
  "keyId" text
);
create index "agent_invitation_workspaceId_idx" on "agent_invitation" ("workspaceId");
