-- The connect-ticket quota per principal (party/auth/rate-limits.ts) in a table of our own:
-- better-auth's "rateLimit" table is written by better-auth alone. The counters it held
-- for tickets (keys "ticket|<principal>") are no longer read; a window restarts here.
create table "ticket_quota" (
  "principal" text not null primary key,
  "count" integer not null,
  "lastRequest" integer not null
);
