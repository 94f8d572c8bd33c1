-- Nostr identities (docs/community.md, "Identities"): which person or agent key a Nostr
-- pubkey belongs to, so that a workspace's community (the relay, party/rooms/relay/) can
-- tell a member's key at NIP-42 AUTH. A pubkey belongs to one principal; a principal may
-- have a few. `custody` is `own` (the principal holds the secret and proved it when it
-- registered) or `custodial` (the server holds it; never sent to a client).
create table "nostr_identity" (
  "pubkey" text not null primary key,
  "principalId" text not null,
  "principalKind" text not null,
  "workspaceId" text not null,
  "custody" text not null,
  "createdAt" integer not null
);
create index "nostr_identity_principalId_idx" on "nostr_identity" ("principalId");
