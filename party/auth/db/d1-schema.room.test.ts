import { env } from "cloudflare:workers";
import { getTableColumns, getTableName } from "drizzle-orm";
import { getTableConfig, type SQLiteTable } from "drizzle-orm/sqlite-core";
import { describe, expect, it } from "vitest";
import * as ownTables from "./schema";

// The drizzle schema of the project's own D1 tables (party/auth/db/schema.ts) against the D1
// that party/migrations builds: a column, type or index changed on one side only fails here.

type Migration = { name: string; queries: string[] };
const testEnv = env as unknown as { DB: D1Database; TEST_MIGRATIONS: Migration[] };
const TABLES = Object.values(ownTables) as SQLiteTable[];

/** better-auth's tables: the ones its generated migration creates, and its rate limiter's counters (party/migrations/0003_accounts.sql). */
function betterAuthTables(): string[] {
  const generated = testEnv.TEST_MIGRATIONS.find((m) => m.name.startsWith("0001_"))!;
  return [...generated.queries.join("\n").matchAll(/create table "(\w+)"/gi)].map((m) => m[1]!).concat("rateLimit");
}

async function rows<T>(query: string): Promise<T[]> {
  return (await testEnv.DB.prepare(query).all<T>()).results;
}

describe("the D1 schema of our own tables", () => {
  it("names every table the migrations made that is not better-auth's", async () => {
    const tables = (
      await rows<{ name: string }>(
        `select name from sqlite_master where type = 'table' and name not like 'sqlite_%' and name not like '_cf_%' and name != 'd1_migrations'`,
      )
    ).map((t) => t.name);
    const auth = betterAuthTables();
    expect(tables.filter((t) => !auth.includes(t)).sort()).toEqual(TABLES.map((t) => getTableName(t)).sort());
  });

  for (const table of TABLES) {
    it(`${getTableName(table)}: columns, types, nullability, key and indexes as migrated`, async () => {
      const name = getTableName(table);
      const live = await rows<{ name: string; type: string; notnull: number; pk: number }>(
        `pragma table_info("${name}")`,
      );
      const declared = Object.values(getTableColumns(table)).map((c) => ({
        name: c.name,
        type: c.getSQLType().toLowerCase(),
        notnull: c.notNull || c.primary,
        pk: c.primary,
      }));
      expect(
        live.map((c) => ({
          name: c.name,
          type: c.type.toLowerCase(),
          notnull: c.notnull === 1 || c.pk > 0,
          pk: c.pk > 0,
        })),
      ).toEqual(declared);
      const indexes = (await rows<{ name: string; origin: string }>(`pragma index_list("${name}")`)).filter(
        (i) => i.origin === "c",
      );
      const columnsOf = async (index: string) =>
        (await rows<{ name: string }>(`pragma index_info("${index}")`)).map((c) => c.name);
      const liveIndexes = await Promise.all(
        indexes.map(async (i) => ({ name: i.name, columns: await columnsOf(i.name) })),
      );
      const declaredIndexes = getTableConfig(table).indexes.map((i) => ({
        name: i.config.name,
        columns: i.config.columns.map((c) => ("name" in c ? c.name : String(c))),
      }));
      expect(liveIndexes.sort((a, b) => a.name.localeCompare(b.name))).toEqual(
        declaredIndexes.sort((a, b) => a.name.localeCompare(b.name)),
      );
    });
  }
});
