-- better-auth's rate limiter counters (`npm run db:generate` with rateLimit.storage
-- "database"), shared by every isolate; our connect-ticket quota uses the same table.
create table "rateLimit" ("id" text not null primary key, "key" text not null unique, "count" integer not null, "lastRequest" bigint not null);

-- The dev mail outbox (DEV_MAIL_OUTBOX=1, local and tests only): mails the Worker would
-- have sent, read back by the app's verification banner and by tests.
create table "dev_mail" (
  "id" text not null primary key,
  "to" text not null,
  "subject" text not null,
  "text" text not null,
  "link" text not null,
  "createdAt" integer not null
);
create index "dev_mail_to_idx" on "dev_mail" ("to", "createdAt");
