-- Custodial Nostr keys (docs/community.md, "Identities"): the server creates a key for a
-- person, an agent key, a workspace's Autopilot or a workspace itself, and signs with it;
-- the secret never reaches a client. `holder` says whose key it is (a principal's id,
-- `autopilot:<workspaceId>` or `workspace:<workspaceId>`); one key per holder. `sealed` is
-- the secret key encrypted with AES-GCM under a key derived from a Worker secret
-- (party/auth/nostr-custody.ts): base64 of the 12-byte IV and the ciphertext, bound to its
-- holder and pubkey, so a row copied onto another does not open.
create table "nostr_custody" (
  "pubkey" text not null primary key,
  "holder" text not null,
  "sealed" text not null,
  "createdAt" integer not null
);
create unique index "nostr_custody_holder_idx" on "nostr_custody" ("holder");
