-- Single-use, short-lived tickets that let a client which cannot set headers (a browser
-- agent) open a room socket without putting its raw API key in a URL. Only the SHA-256
-- of the ticket is stored.
create table "connect_ticket" (
  "hash" text not null primary key,
  "workspaceId" text not null,
  "principal" text not null,
  "expiresAt" integer not null
);
create index "connect_ticket_expiresAt_idx" on "connect_ticket" ("expiresAt");
