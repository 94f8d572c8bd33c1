import { sql as q } from "drizzle-orm";
import { migrate as drizzleMigrate } from "drizzle-orm/durable-sqlite/migrator";
import type { Sql } from "../sql";
import {
  isLegacyHatchery,
  LEGACY_AUTOPILOT_MIGRATIONS,
  LEGACY_HATCHERY_TABLES,
  legacyAutopilotVersion,
  legacyStatements,
  MIGRATIONS_TABLE,
} from "./legacy";
import autopilotMigrations from "./migrations/autopilot/migrations";
import hatcheryMigrations from "./migrations/hatchery/migrations";
import relayMigrations from "./migrations/relay/migrations";

type MigrationBundle = typeof autopilotMigrations;

/**
 * A room's start: bring its SQLite to the newest schema before anything reads it. Rooms
 * made before drizzle are first brought to the last legacy version and marked as having
 * applied the baseline migration (which creates exactly those tables), then drizzle's
 * durable-sqlite migrator applies whatever came after.
 */
export function migrateAutopilot(sql: Sql): void {
  const legacy = legacyAutopilotVersion(sql);
  if (legacy !== null) {
    sql.transaction(() => {
      for (const migration of LEGACY_AUTOPILOT_MIGRATIONS.slice(legacy))
        for (const statement of legacyStatements(migration)) sql.run(statement);
      markBaselineApplied(sql, autopilotMigrations);
      sql.run(`drop table room_schema`);
    });
  }
  applyMigrations(sql, autopilotMigrations);
}

export function migrateHatchery(sql: Sql): void {
  if (isLegacyHatchery(sql)) {
    sql.transaction(() => {
      for (const statement of LEGACY_HATCHERY_TABLES) sql.run(statement);
      markBaselineApplied(sql, hatcheryMigrations);
    });
  }
  applyMigrations(sql, hatcheryMigrations);
}

/** A Nostr community (party/rooms/relay/): no legacy rooms to bring up, only drizzle's migrations. */
export function migrateRelay(sql: Sql): void {
  applyMigrations(sql, relayMigrations);
}

/** Records the first migration as applied the way drizzle's migrator does (durable-sqlite stores no hash). */
function markBaselineApplied(sql: Sql, bundle: MigrationBundle): void {
  sql.run(
    `create table if not exists ${MIGRATIONS_TABLE} (id SERIAL PRIMARY KEY, hash text NOT NULL, created_at numeric)`,
  );
  sql.run(`insert into ${MIGRATIONS_TABLE} (hash, created_at) values ('', ?)`, bundle.journal.entries[0]!.when);
}

/**
 * Drizzle's migrator is declared async but does all its work synchronously inside
 * `transactionSync` before it returns, so the room can read its tables right after. Its
 * failure only reaches the promise: the check after it turns a migration that did not
 * apply into an error of the room's start, as a throw from the old migrate was.
 */
function applyMigrations(sql: Sql, bundle: MigrationBundle): void {
  let failure: unknown = null;
  drizzleMigrate(sql.db, bundle).catch((error: unknown) => {
    failure = error;
    console.error(JSON.stringify({ msg: "room migration failed", error: String(error) }));
  });
  const newest = bundle.journal.entries.at(-1)!.when;
  const applied =
    sql.db.get<{ at: number | null }>(q`select max(created_at) as at from ${q.identifier(MIGRATIONS_TABLE)}`)?.at ??
    null;
  if (Number(applied) < newest)
    throw new Error(
      `room migrations did not apply (newest applied ${applied}, expected ${newest})${failure ? `: ${String(failure)}` : ""}`,
    );
}
