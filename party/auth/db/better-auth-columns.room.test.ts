import { env } from "cloudflare:workers";
import { getTableColumns, getTableName } from "drizzle-orm";
import type { SQLiteTable } from "drizzle-orm/sqlite-core";
import { getAuthTables } from "@better-auth/core/db";
import { describe, expect, it } from "vitest";
import { authPlugins, baseAuthOptions } from "../options";
import * as betterAuthTables from "./better-auth-tables";

// The columns of better-auth's tables our hot-path reads rely on (party/auth/db/better-auth-tables.ts):
// against the D1 our migrations made, and against the schema the installed better-auth
// (with our plugins) declares, so an upgrade that renames or drops one fails here.

const db = (env as unknown as { DB: D1Database }).DB;

describe("better-auth columns our access checks read", () => {
  for (const table of Object.values(betterAuthTables) as SQLiteTable[]) {
    it(`${getTableName(table)}: each column we read exists with the type and nullability we expect`, async () => {
      const live = new Map(
        (
          await db
            .prepare(`pragma table_info("${getTableName(table)}")`)
            .all<{ name: string; type: string; notnull: number; pk: number }>()
        ).results.map((c) => [c.name, c]),
      );
      for (const column of Object.values(getTableColumns(table))) {
        const found = live.get(column.name);
        expect(found, column.name).toBeDefined();
        expect({
          column: column.name,
          type: found!.type.toLowerCase(),
          notNull: found!.notnull === 1 || found!.pk > 0,
        }).toEqual({
          column: column.name,
          type: column.getSQLType().toLowerCase(),
          notNull: column.notNull || column.primary,
        });
      }
    });
  }

  it("each column we read is one the installed better-auth declares for that table", () => {
    const declared = new Map(
      Object.values(getAuthTables({ ...baseAuthOptions, plugins: authPlugins() })).map((t) => [
        t.modelName,
        new Set(["id", ...Object.entries(t.fields).map(([key, field]) => field.fieldName ?? key)]),
      ]),
    );
    for (const table of Object.values(betterAuthTables) as SQLiteTable[]) {
      const fields = declared.get(getTableName(table));
      expect(fields, getTableName(table)).toBeDefined();
      for (const column of Object.values(getTableColumns(table)))
        expect(fields!.has(column.name), `${getTableName(table)}.${column.name}`).toBe(true);
    }
  });
});
