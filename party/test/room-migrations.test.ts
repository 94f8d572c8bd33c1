import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { getTableColumns, getTableName } from "drizzle-orm";
import type { SQLiteTable } from "drizzle-orm/sqlite-core";
import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { LEGACY_AUTOPILOT_MIGRATIONS, LEGACY_HATCHERY_TABLES, legacyStatements } from "../domain/db/legacy";
import * as hatcherySchema from "../domain/db/hatchery-schema";
import * as autopilotSchema from "../rooms/autopilot/schema";
import { currentSeq, readEventPage, roomEpoch } from "../rooms/autopilot/kernel/commit";
import { recall } from "../rooms/autopilot/kernel/dispatch";
import { migrateAutopilot as migrate } from "../domain/db/migrate";
import autopilotMigrations from "../domain/db/migrations/autopilot/migrations";
import { getMeta } from "../domain/meta";
import { type Sql, sqlFromStorage } from "../domain/sql";
import { loadDoc } from "../domain/ydoc-store";
import fixture from "./fixtures/autopilot-rows-v1.json";
import { RawSocket, signUp } from "./harness";

// Rooms made by the code before drizzle migrations (the hand-written array, `room_schema`
// version 1..8; the Hatchery's create-if-not-exists tables) must start on the new code
// with their rows intact and readable through the typed schema; and a new room must get
// the same tables the old code built.

type Row = Record<string, string | number | null>;
const fixtureTables = fixture.tables as unknown as Record<string, Row[]>;
const testEnv = env as unknown as { Autopilot: DurableObjectNamespace; Hatchery: DurableObjectNamespace };
/** Every drizzle migration of the Autopilot (the baseline, then later ones) is applied once. */
const AUTOPILOT_MIGRATION_COUNT = autopilotMigrations.journal.entries.length;
const room = (ns: DurableObjectNamespace) => ns.get(ns.idFromName(`migrations-${crypto.randomUUID()}`));

const tablesOf = (schema: Record<string, unknown>) =>
  Object.values(schema).filter(
    (t): t is SQLiteTable => typeof t === "object" && t !== null && getTableName(t as SQLiteTable) !== undefined,
  );
const AUTOPILOT_TABLES = tablesOf(autopilotSchema);
const HATCHERY_TABLES = tablesOf(hatcherySchema);

/** Forgets every table of the room's own (not the Agents SDK's): storage as the old code would find it empty. */
function wipe(sql: Sql, tables: SQLiteTable[]): void {
  // The search index's FTS5 tables are no drizzle tables (a custom migration makes them).
  for (const name of [
    ...tables.map((t) => getTableName(t)),
    "search_messages",
    "search_threads",
    "__drizzle_migrations",
    "room_schema",
    "sqlite_sequence",
  ]) {
    if (name === "sqlite_sequence") sql.run(`delete from sqlite_sequence`);
    else sql.run(`drop table if exists ${name}`);
  }
}

/** What the old `migrate` left after `version` of its migrations. */
function legacyAutopilot(sql: Sql, version: number): void {
  for (const migration of LEGACY_AUTOPILOT_MIGRATIONS.slice(0, version))
    for (const statement of legacyStatements(migration)) sql.run(statement);
  sql.run(`create table room_schema (version integer not null)`);
  sql.run(`insert into room_schema (version) values (?)`, version);
}

const tableExists = (sql: Sql, name: string) =>
  sql.one(`select name from sqlite_master where type = 'table' and name = ?`, name) !== null;

/** Inserts rows with the old code's plain SQL, column names as stored. */
function insertRows(sql: Sql, table: string, rows: Row[]): void {
  for (const row of rows) {
    const columns = Object.keys(row);
    sql.run(
      `insert into ${table} (${columns.join(", ")}) values (${columns.map(() => "?").join(", ")})`,
      ...columns.map((c) => row[c] ?? null),
    );
  }
}

/** A table's rows read through its drizzle definition, keyed by stored column name again. */
function readTyped(sql: Sql, table: SQLiteTable): Row[] {
  const columns = Object.entries(getTableColumns(table));
  return sql.db
    .select()
    .from(table)
    .all()
    .map((row) =>
      Object.fromEntries(
        columns.map(([key, column]) => [column.name, (row as Record<string, string | number | null>)[key] ?? null]),
      ),
    );
}

const sortRows = (rows: Row[]) => [...rows].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

/** Rows the fixture (captured at version 1..3) does not have: the agent's tables and the later ones, written as the old code wrote them. */
const LATER_ROWS: Record<string, { since: number; rows: Row[] }> = {
  agent_runs: {
    since: 4,
    rows: [
      {
        id: "run_1",
        thread_id: "thr_d7bb1419f67848f8b728",
        trigger_message_id: "msg_1",
        status: "done",
        segment: 1,
        created_at: 10,
        updated_at: 11,
        doc: "{}",
      },
    ],
  },
  agent_tool_calls: {
    since: 4,
    rows: [{ run_id: "run_1", tool_call_id: "call_1", name: "threads.list", status: "done", message_id: null, at: 12 }],
  },
  thread_summaries: {
    since: 4,
    rows: [{ thread_id: "thr_d7bb1419f67848f8b728", through_n: 3, text: "so far", updated_at: 13 }],
  },
  memory: { since: 4, rows: [{ key: "tone", updated_at: 14, doc: '{"key":"tone","value":"brief"}' }] },
  usage: {
    since: 4,
    rows: [
      {
        n: 1,
        at: 15,
        thread_id: null,
        run_id: "run_1",
        principal_id: "p",
        purpose: "reply",
        model: "m",
        input_tokens: 100,
        output_tokens: null,
        duration_ms: 20,
        ok: 1,
      },
    ],
  },
  agent_gateway_invokes: {
    since: 5,
    rows: [
      {
        run_id: "run_1",
        tool_call_id: "call_2",
        instance_id: "ins_1",
        tool: "web",
        started_at: 16,
        finished_at: null,
        ok: null,
        result: null,
      },
    ],
  },
  chat_starts: {
    since: 6,
    rows: [{ thread_id: "thr_x", approval_id: "apr_x", instance_id: "ins_1", message_id: "msg_x", created_at: 17 }],
  },
  gateway_links: {
    since: 7,
    rows: [
      { instance_id: "ins_2", approval_id: "apr_y", url: "wss://gw.example", token: "t", linked: 1, created_at: 18 },
    ],
  },
  agent_run_approvals: { since: 8, rows: [{ approval_id: "apr_z", run_id: "run_1" }] },
};

/** Columns and indexes as SQLite reports them, names of automatic indexes left out. */
function schemaOf(sql: Sql, tables: SQLiteTable[]): unknown {
  return Object.fromEntries(
    tables
      .map((t) => getTableName(t))
      .sort()
      .map((name) => [
        name,
        {
          // A primary key column never holds NULL in these tables; drizzle declares it NOT NULL, the old SQL did not.
          columns: sql
            .all<{ name: string; type: string; notnull: number; dflt_value: string | null; pk: number }>(
              `pragma table_info(${name})`,
            )
            .map((c) => ({
              name: c.name,
              type: c.type.toLowerCase(),
              notnull: c.notnull === 1 || c.pk > 0,
              dflt: c.dflt_value,
              pk: c.pk,
            })),
          indexes: sql
            .all<{ name: string; unique: number; partial: number }>(`pragma index_list(${name})`)
            .map((i) => ({
              unique: i.unique,
              partial: i.partial,
              columns: sql.all<{ name: string }>(`pragma index_info(${i.name})`).map((c) => c.name),
            }))
            .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
        },
      ]),
  );
}

describe("room migrations", () => {
  for (const version of [1, 3, 5, 8]) {
    it(`an Autopilot at legacy version ${version} upgrades with its rows intact and readable through the typed schema`, async () => {
      await runInDurableObject(room(testEnv.Autopilot), (_room, state) => {
        const sql = sqlFromStorage(state.storage);
        wipe(sql, AUTOPILOT_TABLES);
        legacyAutopilot(sql, version);
        for (const [table, rows] of Object.entries(fixtureTables))
          if (tableExists(sql, table)) insertRows(sql, table, rows);
        for (const [table, { since, rows }] of Object.entries(LATER_ROWS))
          if (version >= since) insertRows(sql, table, rows);

        migrate(sql);

        expect(tableExists(sql, "room_schema")).toBe(false);
        expect(sql.all(`select hash, created_at from __drizzle_migrations`)).toHaveLength(AUTOPILOT_MIGRATION_COUNT);
        for (const table of AUTOPILOT_TABLES) {
          const name = getTableName(table);
          const later = LATER_ROWS[name];
          const expected = [
            ...(legacyHad(name, version) ? (fixtureTables[name] ?? []) : []),
            ...(later && version >= later.since ? later.rows : []),
          ];
          expect(sortRows(readTyped(sql, table)), name).toEqual(sortRows(expected));
        }
        // And through the domain's own reads.
        expect(roomEpoch(sql)).toBe("fef0b2fb-d829-46af-85a0-aaeebce7bf20");
        expect(currentSeq(sql)).toBe(28);
        const page = readEventPage(sql, 0, { events: 100, bytes: 1 << 20 });
        expect(page.unreadable).toBe(false);
        expect(page.events.map((e) => e.seq)).toEqual(fixtureTables.events!.map((e) => e.seq));
        const remembered = fixtureTables.idempotency![0]!;
        expect(
          recall(sql, String(remembered.principal_id), String(remembered.key), String(remembered.method)),
        ).toBeDefined();
        // A second start changes nothing.
        migrate(sql);
        expect(sql.all(`select hash from __drizzle_migrations`)).toHaveLength(AUTOPILOT_MIGRATION_COUNT);
      });
    });
  }

  it("a legacy Autopilot restarted on this code (its constructor's start, not a direct call) greets a client with its rows", async () => {
    const owner = await signUp();
    const stub = testEnv.Autopilot.get(testEnv.Autopilot.idFromName(owner.workspaceId));
    await runInDurableObject(stub, (_room, state) => {
      const sql = sqlFromStorage(state.storage);
      wipe(sql, AUTOPILOT_TABLES);
      legacyAutopilot(sql, LEGACY_AUTOPILOT_MIGRATIONS.length);
      for (const [table, rows] of Object.entries(fixtureTables)) insertRows(sql, table, rows);
    });
    await evictDurableObject(stub);
    const sock = await RawSocket.open(owner.workspaceId, { cookie: owner.cookie });
    const hello = await sock.hello();
    expect(hello.snapshot!.threads.map((t) => t.id).sort()).toEqual(
      fixtureTables.threads!.map((t) => String(t.id)).sort(),
    );
    expect(hello.snapshot!.approvals).toHaveLength(fixtureTables.approvals!.length);
    expect(hello.seq).toBeGreaterThanOrEqual(28);
    sock.close();
    await runInDurableObject(stub, (_room, state) => {
      const sql = sqlFromStorage(state.storage);
      expect(tableExists(sql, "room_schema")).toBe(false);
      expect(sql.all(`select hash from __drizzle_migrations`)).toHaveLength(AUTOPILOT_MIGRATION_COUNT);
    });
  });

  it("a new Autopilot gets exactly the tables and indexes the legacy migrations built", async () => {
    const fresh = await runInDurableObject(room(testEnv.Autopilot), (_room, state) =>
      schemaOf(sqlFromStorage(state.storage), AUTOPILOT_TABLES),
    );
    const upgraded = await runInDurableObject(room(testEnv.Autopilot), (_room, state) => {
      const sql = sqlFromStorage(state.storage);
      wipe(sql, AUTOPILOT_TABLES);
      legacyAutopilot(sql, LEGACY_AUTOPILOT_MIGRATIONS.length);
      migrate(sql);
      return schemaOf(sql, AUTOPILOT_TABLES);
    });
    expect(upgraded).toEqual(fresh);
    expect(Object.keys(fresh as object)).toHaveLength(AUTOPILOT_TABLES.length);
  });

  it("a Hatchery made before migrations keeps its document, nodes and idempotency records, with the same schema a new one gets", async () => {
    const fresh = await runInDurableObject(room(testEnv.Hatchery), (_room, state) =>
      schemaOf(sqlFromStorage(state.storage), HATCHERY_TABLES),
    );
    const stub = room(testEnv.Hatchery);
    await runInDurableObject(stub, (_room, state) => {
      const sql = sqlFromStorage(state.storage);
      wipe(sql, HATCHERY_TABLES);
      for (const statement of LEGACY_HATCHERY_TABLES) sql.run(statement);
      const doc = new Y.Doc();
      doc.getText("t").insert(0, "hi");
      const update = Y.encodeStateAsUpdate(doc);
      sql.run(`insert into ydoc_updates (data) values (?)`, update.slice().buffer);
      insertRows(sql, "room_meta", [{ key: "domainSeq", value: "12" }]);
      insertRows(sql, "domain_nodes", [{ id: "thread:thr_1", kind: "thread", ref: "thr_1", data: '{"title":"t"}' }]);
      insertRows(sql, "graph_idempotency", [{ principal_id: "p", key: "k", result: '{"ok":true}', at: 5 }]);
    });
    // The new start is the room's own constructor after an eviction.
    await evictDurableObject(stub);
    await runInDurableObject(stub, (_room, state) => {
      const sql = sqlFromStorage(state.storage);
      expect(schemaOf(sql, HATCHERY_TABLES)).toEqual(fresh);
      expect(getMeta(sql, "domainSeq")).toBe("12");
      expect(loadDoc(sql).getText("t").toString()).toBe("hi");
      expect(readTyped(sql, hatcherySchema.domainNodes)).toEqual([
        { id: "thread:thr_1", kind: "thread", ref: "thr_1", data: '{"title":"t"}' },
      ]);
      expect(readTyped(sql, hatcherySchema.graphIdempotency)).toEqual([
        { principal_id: "p", key: "k", result: '{"ok":true}', at: 5 },
      ]);
    });
  });
});

/** Whether a fixture table existed at a legacy version (the fixture was captured at version 3). */
function legacyHad(table: string, version: number): boolean {
  return LEGACY_AUTOPILOT_MIGRATIONS.slice(0, version).some((m) =>
    new RegExp(`create table if not exists ${table} \\(`).test(m),
  );
}
