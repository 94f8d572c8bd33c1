import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { getTableColumns, getTableName } from "drizzle-orm";
import { getTableConfig, type SQLiteTable } from "drizzle-orm/sqlite-core";
import { describe, expect, it } from "vitest";
import { instanceNames } from "./features/approvals/instance-names";
import { instances } from "./features/instance-store/tables";
import * as schema from "./schema";

// The room's schema is assembled from the modules that own its tables (schema.ts): a table
// is defined once, in its owner's `tables.ts`, and every such module is in the schema, so
// drizzle-kit and the migration tests see every table a feature adds.

const HERE = dirname(fileURLToPath(import.meta.url));

/** Every `tables.ts` under the Autopilot room, as schema.ts names them ("./features/pins/tables"). */
function tableModules(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return tableModules(path);
    return entry.name === "tables.ts" ? [`./${relative(HERE, path).replace(/\.ts$/, "")}`] : [];
  });
}

const isTable = (value: unknown): value is SQLiteTable =>
  typeof value === "object" && value !== null && getTableName(value as SQLiteTable) !== undefined;

describe("the Autopilot room's schema", () => {
  it("re-exports every tables.ts of the kernel and the features, and defines no table itself", () => {
    const source = readFileSync(join(HERE, "schema.ts"), "utf8");
    const reexported = [...source.matchAll(/^export \* from "([^"]+)";$/gm)].map((m) => m[1]);
    const modules = tableModules(HERE);
    expect(modules.length).toBeGreaterThan(10);
    for (const module of modules) expect(reexported).toContain(module);
    expect(source).not.toMatch(/sqliteTable\(/);
  });

  it("holds each table once", async () => {
    const names = Object.values(schema)
      .filter(isTable)
      .map((t) => getTableName(t));
    expect(new Set(names).size).toBe(names.length);
    // A module defining a table another also defines would collide on the export name or on the table's.
    const defined: string[] = [];
    for (const module of tableModules(HERE)) {
      const tables = Object.values((await import(`${module}.ts`)) as Record<string, unknown>).filter(isTable);
      defined.push(...tables.map((t) => getTableName(t)));
    }
    expect(defined.sort()).toEqual([...names].filter((n) => n !== "room_meta").sort());
  });

  it("approvals' read-only view of the instances table matches the table", () => {
    const table = getTableColumns(instances);
    for (const [key, column] of Object.entries(getTableColumns(instanceNames))) {
      const real = table[key as keyof typeof table];
      expect(real, key).toBeDefined();
      expect({ name: column.name, type: column.getSQLType(), primary: column.primary }).toEqual({
        name: real.name,
        type: real.getSQLType(),
        primary: real.primary,
      });
      // The view may read a column as nullable the table declares not null, never the reverse.
      if (column.notNull) expect(real.notNull, key).toBe(true);
    }
    expect(getTableConfig(instanceNames).name).toBe(getTableConfig(instances).name);
  });
});
