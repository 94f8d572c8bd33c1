-- better-auth's admin plugin (operators, disabled accounts) and our waitlist plugin
-- (party/auth/waitlist-plugin.ts): the columns `npm run db:generate` adds to "user" and
-- "session". Accounts made before this migration have NULLs, which read as active.
alter table "user" add column "role" text;
alter table "user" add column "banned" integer;
alter table "user" add column "banReason" text;
alter table "user" add column "banExpires" date;
alter table "user" add column "waitlisted" integer;
alter table "session" add column "impersonatedBy" text;
