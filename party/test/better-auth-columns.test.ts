import { env } from "cloudflare:workers";
import { getTableColumns, getTableName } from "drizzle-orm";
import type { SQLiteTable } from "drizzle-orm/sqlite-core";
import { describe, expect, it } from "vitest";
import * as betterAuthTables from "../auth/db/better-auth-tables";

// The columns of better-auth's tables our hot-path reads rely on (party/auth/db/better-auth-tables.ts),
// against the D1 its migrations made: a better-auth upgrade that renames, retypes or makes
// one nullable must fail here.

const db = (env as unknown as { DB: D1Database }).DB;

describe("better-auth columns our access checks read", () => {
  for (const table of Object.values(betterAuthTables) as SQLiteTable[]) {
    it(`${getTableName(table)}: each column we read exists with the type and nullability we expect`, async () => {
      const live = new Map((await db.prepare(`pragma table_info("${getTableName(table)}")`).all<{ name: string; type: string; notnull: number; pk: number }>()).results.map((c) => [c.name, c]));
      for (const column of Object.values(getTableColumns(table))) {
        const found = live.get(column.name);
        expect(found, column.name).toBeDefined();
        expect({ column: column.name, type: found!.type.toLowerCase(), notNull: found!.notnull === 1 || found!.pk > 0 }).toEqual({
          column: column.name,
          type: column.getSQLType().toLowerCase(),
          notNull: column.notNull || column.primary,
        });
      }
    });
  }
});
