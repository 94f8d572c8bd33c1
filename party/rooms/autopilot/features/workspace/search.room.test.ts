// Full-text search (search.query): FTS5 in the room's SQLite, kept in sync with messages
// and thread titles in the same transaction, hostile queries answered or refused with a
// typed error, the index surviving a restart and built for rooms older than it.
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { MAX_SEARCH_QUERY, MAX_SNIPPET, type SearchHit } from "../../../../../shared/protocol/search";
import { LEGACY_AUTOPILOT_MIGRATIONS, legacyStatements } from "../../../../domain/db/legacy";
import { migrateAutopilot } from "../../../../domain/db/migrate";
import { ftsQuery, parseSnippet, searchRoom } from "./search";
import { sqlFromStorage } from "../../../../domain/sql";
import fixture from "../../../../test/fixtures/autopilot-rows-v1.json";
import { idem, ownWorkspace, RawSocket } from "../../../../test/harness";

const rooms = (env as unknown as { Autopilot: DurableObjectNamespace }).Autopilot;

async function openRoom() {
  const { owner, sock: socket } = await ownWorkspace();
  return { owner, socket };
}

async function thread(socket: RawSocket, title: string, ...texts: string[]) {
  const { thread } = await socket.ok("threads.create", { title, idempotencyKey: idem() });
  const messages = [];
  for (const text of texts)
    messages.push((await socket.ok("chat.send", { threadId: thread.id, text, idempotencyKey: idem() })).message);
  return { thread, messages };
}

/** The matched parts of a hit's snippet. */
const matched = (hit: SearchHit) => hit.ranges.map(([s, e]) => hit.snippet.slice(s, e));

describe("search.query", () => {
  it("workerd's SQLite has FTS5 (the probe the search is built on)", async () => {
    await runInDurableObject(rooms.get(rooms.idFromName(`probe-${crypto.randomUUID()}`)), (_room, state) => {
      const exec = state.storage.sql.exec.bind(state.storage.sql);
      exec(`create virtual table probe_fts using fts5(body)`);
      exec(`insert into probe_fts (body) values ('deploy tonight')`);
      expect(exec(`select count(*) as c from probe_fts where probe_fts match '"depl"*'`).one()).toEqual({ c: 1 });
    });
  });

  it("finds a message by its words and by a word's start, with the match marked in a plain-text snippet", async () => {
    const { socket } = await openRoom();
    const { thread: launch, messages } = await thread(
      socket,
      "Launch",
      "We deploy the café release tonight",
      "Nothing to see here",
    );
    const byWords = await socket.ok("search.query", { q: "release tonight" });
    expect(byWords.hits).toEqual([
      expect.objectContaining({
        threadId: launch.id,
        messageId: messages[0]!.id,
        n: messages[0]!.n,
        at: messages[0]!.createdAt,
      }),
    ]);
    expect(matched(byWords.hits[0]!)).toEqual(["release", "tonight"]);
    // A start of a word, any case, accents folded.
    const byPrefix = await socket.ok("search.query", { q: "CAF deplo" });
    expect(byPrefix.hits.map((h) => h.messageId)).toEqual([messages[0]!.id]);
    expect(matched(byPrefix.hits[0]!)).toEqual(["deploy", "café"]);
    // Every word is required.
    expect((await socket.ok("search.query", { q: "release nothing" })).hits).toEqual([]);
  });

  it("finds a thread by its title, and follows a rename", async () => {
    const { socket } = await openRoom();
    const { thread: plan } = await thread(socket, "Quarterly roadmap");
    expect((await socket.ok("search.query", { q: "roadm" })).hits).toEqual([
      expect.objectContaining({
        threadId: plan.id,
        messageId: null,
        n: null,
        snippet: "Quarterly roadmap",
        ranges: [[10, 17]],
      }),
    ]);
    await socket.ok("threads.rename", { threadId: plan.id, title: "Budget review", idempotencyKey: idem() });
    expect((await socket.ok("search.query", { q: "roadmap" })).hits).toEqual([]);
    expect((await socket.ok("search.query", { q: "budget" })).hits.map((h) => [h.threadId, h.messageId])).toEqual([
      [plan.id, null],
    ]);
  });

  it("leaves archived threads out unless asked for", async () => {
    const { socket } = await openRoom();
    const { thread: old, messages } = await thread(socket, "Old pelican", "pelican sightings");
    await socket.ok("threads.archive", { threadId: old.id, idempotencyKey: idem() });
    expect((await socket.ok("search.query", { q: "pelican" })).hits).toEqual([]);
    const all = await socket.ok("search.query", { q: "pelican", includeArchived: true });
    expect(all.hits.map((h) => h.messageId)).toEqual([null, messages[0]!.id]);
  });

  it("pages messages newest first with `next`", async () => {
    const { socket } = await openRoom();
    const { messages } = await thread(socket, "Counting", "walrus one", "walrus two", "walrus three");
    const first = await socket.ok("search.query", { q: "walrus", limit: 2 });
    expect(first.hits.map((h) => h.messageId)).toEqual([messages[2]!.id, messages[1]!.id]);
    expect(first.next).toBe(messages[1]!.n);
    const second = await socket.ok("search.query", { q: "walrus", limit: 2, before: first.next! });
    expect(second).toEqual({ hits: [expect.objectContaining({ messageId: messages[0]!.id })], next: null });
  });

  it("treats a hostile query as plain words: results or a typed error, never an internal one", async () => {
    const { socket } = await openRoom();
    const { messages } = await thread(socket, "Syntax", 'say "NEAR(a b)" -x OR y* col:umn ^z', "plain words");
    const hostile = [
      '"',
      "*",
      "NEAR(",
      "-",
      "-plain",
      'NEAR("say" "x", 1)',
      "OR",
      "AND NOT",
      "col:umn",
      "^z",
      "{body}: x",
      "(",
      ")",
      "''",
      "\\",
      "%",
      "_",
      "\u0002say\u0003",
    ];
    for (const q of hostile) {
      const res = await socket.call("search.query", { q });
      expect(res, q).toMatchObject({ ok: true });
    }
    // Syntax characters are separators, keywords are words.
    expect((await socket.ok("search.query", { q: "NEAR(" })).hits.map((h) => h.messageId)).toEqual([messages[0]!.id]);
    expect((await socket.ok("search.query", { q: '"umn"' })).hits.map((h) => h.messageId)).toEqual([messages[0]!.id]);
    expect((await socket.ok("search.query", { q: "-plain" })).hits.map((h) => h.messageId)).toEqual([messages[1]!.id]);
    expect((await socket.ok("search.query", { q: '"*-' })).hits).toEqual([]);
    // Too long is refused; many words are cut to a few, each bounded.
    expect(await socket.call("search.query", { q: "x".repeat(MAX_SEARCH_QUERY + 1) })).toMatchObject({
      ok: false,
      error: { code: "bad_request" },
    });
    expect(await socket.call("search.query", { q: "word ".repeat(40) })).toMatchObject({ ok: true });
    expect(await socket.call("search.query", { q: "p".repeat(MAX_SEARCH_QUERY) })).toMatchObject({ ok: true });
    for (const params of [{ q: 5 }, { q: "x", limit: 0 }, { q: "x", limit: 51 }, { q: "x", before: -1 }, {}]) {
      expect(await socket.call("search.query", params), JSON.stringify(params)).toMatchObject({
        ok: false,
        error: { code: "bad_request" },
      });
    }
  });

  it("bounds a snippet, and a message cannot forge a match with the markers' characters", async () => {
    const { socket } = await openRoom();
    const long = `${"filler ".repeat(2000)}needle ${"tail".repeat(3000)}`;
    const { messages } = await thread(socket, "Long", long, "a \u0002forged\u0003 mark beside the needle");
    const { hits } = await socket.ok("search.query", { q: "needle" });
    expect(hits.map((h) => h.messageId)).toEqual([messages[1]!.id, messages[0]!.id]);
    for (const hit of hits) {
      expect(hit.snippet.length).toBeLessThanOrEqual(MAX_SNIPPET + 2);
      expect(matched(hit)).toEqual(["needle"]);
    }
  });

  it("quotes every word of a query and drops everything else; cuts snippets without splitting a character", () => {
    expect(ftsQuery('say "NEAR(a b)" -x OR y* col:umn ^z')).toBe('"say"* "NEAR"* "a" "b" "x" "OR"* "y" "col"*');
    expect(ftsQuery('"*-(){}:^')).toBeNull();
    expect(ftsQuery("one two three four five six seven eight nine ten")?.split(" ")).toHaveLength(8);
    expect(ftsQuery("w".repeat(500))).toBe(`"${"w".repeat(64)}"*`);
    const emoji = "😀".repeat(400);
    const { snippet, ranges } = parseSnippet(`${emoji}a\u0002needle\u0003${emoji}`);
    expect(snippet.length).toBeLessThanOrEqual(MAX_SNIPPET + 2);
    expect(snippet).not.toMatch(/^…?[\udc00-\udfff]|[\ud800-\udbff]…?$/u);
    expect(ranges.map(([s, e]) => snippet.slice(s, e))).toEqual(["needle"]);
  });

  it("indexes in the transaction of the write: a write rolled back leaves nothing in the index", async () => {
    await runInDurableObject(rooms.get(rooms.idFromName(`search-tx-${crypto.randomUUID()}`)), (_room, state) => {
      const sql = sqlFromStorage(state.storage);
      migrateAutopilot(sql);
      const doc = (text: string) => JSON.stringify({ id: "m", threadId: "thr_tx", text });
      sql.run(
        `insert into threads (id, archived, updated_at, doc) values ('thr_tx', 0, 1, ?)`,
        JSON.stringify({ title: "Rollback room" }),
      );
      expect(() =>
        sql.transaction(() => {
          sql.run(
            `insert into messages (id, thread_id, doc) values ('msg_gone', 'thr_tx', ?)`,
            doc("vanishing albatross"),
          );
          throw new Error("the write fails after the message");
        }),
      ).toThrow("the write fails");
      expect(searchRoom(sql, { q: "albatross", limit: 5, includeArchived: false }).hits).toEqual([]);
      sql.run(
        `insert into messages (id, thread_id, doc) values ('msg_kept', 'thr_tx', ?)`,
        JSON.stringify({ id: "msg_kept", threadId: "thr_tx", text: "staying albatross", createdAt: 7 }),
      );
      expect(
        searchRoom(sql, { q: "albatross", limit: 5, includeArchived: false }).hits.map((h) => h.messageId),
      ).toEqual(["msg_kept"]);
    });
  });

  it("keeps its index across a room restart", async () => {
    const { owner, socket } = await openRoom();
    const { messages } = await thread(socket, "Restart", "persistent narwhal");
    socket.close();
    await evictDurableObject(rooms.get(rooms.idFromName(owner.workspaceId)));
    const again = await RawSocket.open(owner.workspaceId, { cookie: owner.cookie });
    await again.hello();
    expect((await again.ok("search.query", { q: "narwhal" })).hits.map((h) => h.messageId)).toEqual([messages[0]!.id]);
  });

  it("indexes the messages and titles of a room written before the search migration", async () => {
    await runInDurableObject(rooms.get(rooms.idFromName(`search-old-${crypto.randomUUID()}`)), (_room, state) => {
      const sql = sqlFromStorage(state.storage);
      // The room as the code before drizzle left it: no search tables, rows already there.
      for (const name of sql.all<{ name: string; type: string }>(
        `select name, type from sqlite_master where type in ('table', 'trigger') and name not like 'sqlite_%' and name not like '\\_cf%' escape '\\'`,
      )) {
        if (name.type === "table" && !name.name.includes("_fts") && !name.name.startsWith("search_"))
          sql.run(`drop table if exists ${name.name}`);
      }
      sql.run(`drop table if exists search_messages`);
      sql.run(`drop table if exists search_threads`);
      for (const migration of LEGACY_AUTOPILOT_MIGRATIONS)
        for (const statement of legacyStatements(migration)) sql.run(statement);
      sql.run(`create table room_schema (version integer not null)`);
      sql.run(`insert into room_schema (version) values (?)`, LEGACY_AUTOPILOT_MIGRATIONS.length);
      for (const table of ["threads", "messages"] as const) {
        for (const row of fixture.tables[table] as Record<string, string | number>[]) {
          const columns = Object.keys(row);
          sql.run(
            `insert into ${table} (${columns.join(", ")}) values (${columns.map(() => "?").join(", ")})`,
            ...columns.map((c) => row[c]!),
          );
        }
      }
      migrateAutopilot(sql);
      const launch = fixture.tables.threads[0]!;
      const green = fixture.tables.messages.find((m) => m.doc.includes("Build is green"))!;
      const found = searchRoom(sql, { q: "green", limit: 20, includeArchived: true });
      expect(found.hits).toEqual([expect.objectContaining({ threadId: launch.id, messageId: green.id, n: green.n })]);
      expect(
        searchRoom(sql, { q: "launch plan", limit: 20, includeArchived: true }).hits.map((h) => [
          h.threadId,
          h.messageId,
        ]),
      ).toContainEqual([launch.id, null]);
    });
  });
});
