import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import type { DurableEventName } from "../../shared/protocol/events";
import type { EventFrame } from "../../shared/protocol/frames";
import type { HelloPayload } from "../../shared/protocol/hello";
import { Thread } from "../../shared/protocol/threads";
import { defineRecord, readable, StoredRecordError } from "./codec";
import {
  approvalRecord,
  auditRecord,
  gatewaySessionRecord,
  inboxPreferencesRecord,
  instanceRecord,
  jobRecord,
  messageRecord,
  threadRecord,
} from "./documents";
import { approvalIn, upgradeApproval } from "./approval-upgrades";
import { decodeEventPayload } from "./events";
import { decodeResult } from "./results";
import { THREAD_UPGRADES, threadAgentsIn, threadIn, withAgentsSetting, withResponder } from "./thread-upgrades";
import fixture from "../test/fixtures/autopilot-rows-v1.json";
import { type Sql, sqlFromStorage } from "../domain/sql";
import { spendApprovals } from "../rooms/autopilot/features/billing/billing";
import { idem, RawSocket, signUp } from "../test/harness";

// Rows exactly as the code before versioned documents wrote them (no `$v`): they must keep
// reading as version 1, through every codec and through a live room.
type Row = Record<string, string | number | null>;
const tables = fixture.tables as unknown as Record<string, Row[]>;
const docs = (table: string, column = "doc") => tables[table]!.map((r) => String(r[column]));

const [launch, archived] = tables.threads!.map((r) => threadRecord.decode(String(r.doc)));

/** A later version of the thread document: a required field, filled in for older rows. */
const pinnedThreads = defineRecord("thread", Thread.extend({ pinned: z.boolean() }), [
  ...THREAD_UPGRADES,
  (doc) => ({ pinned: false, ...doc }),
]);

afterEach(() => {
  vi.restoreAllMocks();
});

describe("record codecs", () => {
  it("read every fixture row as version 1 and give back what was stored (threads upgraded with their responder and its agents setting)", () => {
    const same = (
      decoded: unknown[],
      table: string,
      column = "doc",
      upgrade: (doc: Record<string, unknown>, i: number) => unknown = (doc) => doc,
    ) => expect(decoded, table).toEqual(docs(table, column).map((d, i) => upgrade(JSON.parse(d), i)));
    // Each table of documents, with the steps its older rows take (none: as stored).
    const documents: [string, { decode: (text: string) => unknown }, ((doc: Record<string, unknown>) => unknown)?][] = [
      ["threads", threadRecord, (doc) => withAgentsSetting(withResponder(doc))],
      ["messages", messageRecord],
      ["approvals", approvalRecord, upgradeApproval],
      ["jobs", jobRecord],
      ["instances", instanceRecord],
      ["audit", auditRecord],
      ["gateway_sessions", gatewaySessionRecord],
    ];
    for (const [table, record, upgrade] of documents)
      same(
        docs(table).map((d) => record.decode(d)),
        table,
        "doc",
        upgrade,
      );
    same(
      tables.events!.map((r) => decodeEventPayload(r.event as DurableEventName, String(r.payload))),
      "events",
      "payload",
      (doc, i) =>
        String(tables.events![i]!.event).startsWith("thread.")
          ? threadAgentsIn(threadIn(doc))
          : String(tables.events![i]!.event).startsWith("approval.")
            ? approvalIn(doc)
            : doc,
    );
    same(
      tables.idempotency!.map((r) => decodeResult(String(r.method), String(r.result))),
      "idempotency",
      "result",
      (doc) => approvalIn(threadAgentsIn(threadIn(doc))),
    );
    // Protocol 5: a thread stored before responders answers as it always did; protocol 8:
    // agents' posts do not trigger it (the new default).
    expect(launch!.responder).toEqual({ kind: "openclaw", reply: "every", agents: false });
    expect(archived!.responder).toEqual({ kind: "none", reply: "every", agents: false });
    // The fixture covers what the room stores: gateway threads, tool/aborted messages, every approval action.
    expect(launch!.gateway).toMatchObject({ instanceId: "work" });
    expect(archived!.archived).toBe(true);
    expect(docs("messages").map((d) => messageRecord.decode(d).kind ?? "text")).toEqual([
      "text",
      "text",
      "tool",
      "text",
    ]);
    expect(docs("approvals").map((d) => approvalRecord.decode(d).action?.kind ?? null)).toEqual([
      null,
      null,
      "instance",
      "exec",
      "pairing",
    ]);
    expect(new Set(tables.events!.map((r) => r.event)).size).toBeGreaterThanOrEqual(12);
  });

  it("a thread an older room left answered by a deleted instance reads as answered by nobody, in the CLI as in the app", () => {
    const { responder: _r, gateway: _g, ...plain } = launch!;
    const left = { ...plain, gateway: null, responder: { kind: "openclaw", reply: "every" } };
    expect(threadRecord.decode(JSON.stringify({ $v: 2, ...left })).responder).toEqual({
      kind: "none",
      reply: "every",
      agents: false,
    });
    expect(decodeEventPayload("thread.updated", JSON.stringify({ $v: 2, thread: left })).thread.responder.kind).toBe(
      "none",
    );
    // One still attached keeps its gateway as its responder.
    expect(
      threadRecord.decode(
        JSON.stringify({ $v: 2, ...plain, gateway: launch!.gateway, responder: { kind: "openclaw", reply: "every" } }),
      ).responder.kind,
    ).toBe("openclaw");
  });

  it("write the current version with the document and strip it on read", () => {
    const stored = threadRecord.encode(launch!);
    expect(threadRecord.version).toBe(4);
    expect(JSON.parse(stored)).toEqual({ $v: 4, ...launch });
    expect(threadRecord.decode(stored)).toEqual(launch);
  });

  it("read a protocol 5–7 thread (a responder without `agents`) with agents' posts not triggering it, in the thread and in its events and results", () => {
    const v2 = { ...launch!, responder: { kind: "autopilot", reply: "every" } };
    const expected = { ...v2, responder: { kind: "autopilot", reply: "every", agents: false } };
    expect(threadRecord.decode(JSON.stringify({ $v: 2, ...v2 }))).toEqual(expected);
    expect(decodeEventPayload("thread.updated", JSON.stringify({ $v: 2, thread: v2 }))).toEqual({ thread: expected });
    expect(decodeResult("threads.configure", JSON.stringify({ $v: 1, thread: v2 }))).toEqual({ thread: expected });
    // A thread that has the setting keeps it.
    const on = { ...launch!, responder: { kind: "autopilot", reply: "mention", agents: true } };
    expect(threadRecord.decode(JSON.stringify({ $v: 2, ...on }))).toEqual(on);
  });

  it("read inbox preferences stored before Web Push with a push channel as the person chose for the browser, here and in a recorded inbox.configure", () => {
    const v1 = {
      approval: { browser: true, email: true },
      mention: { browser: false, email: true },
      reply: { browser: true, email: false },
      failure: { browser: false, email: false },
      emailAfterMs: 60_000,
    };
    const expected = {
      approval: { browser: true, email: true, push: true },
      mention: { browser: false, email: true, push: false },
      reply: { browser: true, email: false, push: true },
      failure: { browser: false, email: false, push: false },
      emailAfterMs: 60_000,
    };
    expect(inboxPreferencesRecord.decode(JSON.stringify(v1))).toEqual(expected);
    expect(decodeResult("inbox.configure", JSON.stringify({ preferences: v1 }))).toEqual({ preferences: expected });
    expect(inboxPreferencesRecord.decode(inboxPreferencesRecord.encode(expected))).toEqual(expected);
  });

  it("upgrade old documents step by step before the schema sees them", () => {
    expect(pinnedThreads.version).toBe(5);
    // Version-less fixtures and rows written by today's codec (version 4) come back valid.
    for (const doc of [...docs("threads"), threadRecord.encode(launch!)]) {
      const thread = pinnedThreads.decode(doc);
      expect(thread.pinned).toBe(false);
      expect(Thread.parse(thread)).toEqual(threadRecord.decode(doc));
    }
    // New writes carry version 5, and a version-5 row is not upgraded again.
    const written = pinnedThreads.encode({ ...launch!, pinned: true });
    expect(JSON.parse(written).$v).toBe(5);
    expect(pinnedThreads.decode(written).pinned).toBe(true);
    // Without the step, the old rows fail the new schema: that is what the step is for.
    const noStep = defineRecord("thread", Thread.extend({ pinned: z.boolean() }));
    expect(() => noStep.decode(docs("threads")[0]!)).toThrow(StoredRecordError);
  });

  it("read a document from newer code by what it understands", () => {
    const newer = JSON.stringify({ ...JSON.parse(threadRecord.encode(launch!)), $v: 7, pinned: true });
    expect(threadRecord.decode(newer)).toEqual(launch);
  });

  it("fail with a typed, logged error on a row they cannot read, and lists skip it", () => {
    const logged = vi.spyOn(console, "error").mockImplementation(() => {});
    const bad = ["{not json", "[1,2]", JSON.stringify({ id: "thr_x", title: 5 }), JSON.stringify({ $v: "one" })];
    for (const doc of bad) expect(() => threadRecord.decode(doc)).toThrow(StoredRecordError);
    const error = (() => {
      try {
        threadRecord.decode(JSON.stringify({ ...launch, archived: "no" }));
      } catch (e) {
        return e as StoredRecordError;
      }
    })();
    expect(error).toMatchObject({ kind: "thread", storedVersion: 1 });
    expect(error!.reason).toContain("archived");
    const failing = defineRecord("thread", Thread, [
      () => {
        throw new Error("boom");
      },
    ]);
    expect(() => failing.decode(docs("threads")[0]!)).toThrow(/upgrade to version 2 failed: boom/);
    expect(() => decodeEventPayload("thread.vanished" as DurableEventName, "{}")).toThrow(StoredRecordError);
    expect(() => decodeResult("threads.explode", "{}")).toThrow(StoredRecordError);
    expect(logged.mock.calls.map((c) => JSON.parse(String(c[0])).msg)).toEqual(
      Array(bad.length + 4).fill("unreadable stored record"),
    );

    expect(readable([...docs("threads"), bad[2]!], (d) => threadRecord.decode(d)).map((t) => t.id)).toEqual([
      launch!.id,
      archived!.id,
    ]);
    // Anything else thrown is a bug, not a bad row: it is not swallowed.
    expect(() =>
      readable([1], () => {
        throw new TypeError("bug");
      }),
    ).toThrow(TypeError);
  });
});

describe("a room on today's rows", () => {
  async function roomWithFixtures() {
    const owner = await signUp();
    const rooms = (env as unknown as { Autopilot: DurableObjectNamespace }).Autopilot;
    const stub = rooms.get(rooms.idFromName(owner.workspaceId));
    await runInDurableObject(stub, (_instance, state) => {
      for (const [table, rows] of Object.entries(tables)) {
        for (const row of rows) {
          // Idempotency keys are per principal and kept 24 h: make them the new owner's, and fresh.
          const values = table === "idempotency" ? { ...row, principal_id: owner.userId, at: Date.now() } : row;
          const columns = Object.keys(values);
          state.storage.sql.exec(
            `insert into ${table} (${columns.join(", ")}) values (${columns.map(() => "?").join(", ")})`,
            ...Object.values(values),
          );
        }
      }
    });
    const sql = <T>(query: string, ...params: (string | number)[]) =>
      runInDurableObject(stub, (_instance, state) => state.storage.sql.exec(query, ...params).toArray() as T[]);
    const inStorage = <T>(fn: (sql: Sql) => T) =>
      runInDurableObject(stub, (_instance, state) => fn(sqlFromStorage(state.storage)));
    // A writer outside the room's code (a corrupted page, a hand's edit): the room reads it once it
    // restarts, as what it keeps in memory of what it wrote (the log's end) is its own.
    const restart = () => evictDurableObject(stub);
    return { owner, sql, inStorage, restart };
  }

  it("greets, lists, replays and repeats from version-less rows; new writes carry the version", async () => {
    const { owner, sql } = await roomWithFixtures();
    const sock = await RawSocket.open(owner.workspaceId, { cookie: owner.cookie });
    const hello = await sock.hello();
    // The harness checks every frame against the protocol schemas as well.
    expect(hello.snapshot!.threads.map((t) => t.id).sort()).toEqual([launch!.id, archived!.id].sort());
    expect(hello.snapshot!.approvals).toHaveLength(5);
    expect(hello.snapshot!.jobs).toHaveLength(4);
    expect(hello.snapshot!.instances).toMatchObject([{ id: "work", status: "error" }]);
    expect(hello.seq).toBeGreaterThanOrEqual(28);

    expect((await sock.ok("messages.list", { threadId: launch!.id })).messages.map((m) => m.text)).toEqual([
      "Build is green",
      "Ship it",
      "ls -la\ntotal 0",
      "partial repl",
    ]);
    expect((await sock.ok("audit.list", {})).entries.length).toBeGreaterThanOrEqual(8);
    expect((await sock.ok("jobs.list", {})).jobs.map((j) => j.status).sort()).toEqual([
      "cancel_requested",
      "failed",
      "failed",
      "succeeded",
    ]);
    expect((await sock.ok("sessions.list", { instanceId: "work" })).sessions).toMatchObject([
      { key: "agent:main:main", label: "main" },
    ]);

    // A resume from the start replays every stored event.
    const resumed = await RawSocket.open(
      owner.workspaceId,
      { cookie: owner.cookie },
      { lastSeq: 0, epoch: hello.epoch },
    );
    expect((await resumed.hello()).resumedFrom).toBe(0);
    await resumed.waitFor((f) => f.type === "event" && f.seq === 28);
    expect(
      resumed
        .events()
        .filter((e) => e.seq !== undefined)
        .slice(0, 28)
        .map((e) => e.seq),
    ).toEqual(Array.from({ length: 28 }, (_, i) => i + 1));

    // A repeated request is answered from its version-less recorded result.
    const recorded = tables.idempotency!.find((r) => r.method === "threads.create")!;
    expect(await sock.ok("threads.create", { title: "ignored", idempotencyKey: String(recorded.key) })).toEqual(
      threadAgentsIn(threadIn(JSON.parse(String(recorded.result)))),
    );

    // New writes: the document, the event, the recorded result and the audit entry carry $v.
    await sock.ok("threads.rename", { threadId: archived!.id, title: "Renamed", idempotencyKey: idem() });
    await sock.ok("approvals.request", { title: "New", idempotencyKey: idem() });
    const [thread] = await sql<{ doc: string }>(`select doc from threads where id = ?`, archived!.id);
    expect(JSON.parse(thread!.doc)).toMatchObject({
      $v: 4,
      title: "Renamed",
      responder: { kind: "none", agents: false },
    });
    const [event] = await sql<{ payload: string }>(
      `select payload from events where event = 'thread.renamed' order by seq desc limit 1`,
    );
    expect(JSON.parse(event!.payload)).toMatchObject({ $v: 4, thread: { title: "Renamed" } });
    const [result] = await sql<{ result: string }>(
      `select result from idempotency where method = 'threads.rename' and principal_id = ? order by at desc limit 1`,
      owner.userId,
    );
    expect(JSON.parse(result!.result).$v).toBe(4);
    const [audit] = await sql<{ doc: string }>(`select doc from audit order by n desc limit 1`);
    expect(JSON.parse(audit!.doc)).toMatchObject({ $v: 1, action: "approval.requested" });
    // …and read back the same as before.
    expect(
      (await sock.ok("threads.list", { includeArchived: true })).threads.find((t) => t.id === archived!.id),
    ).toMatchObject({ title: "Renamed" });
    for (const s of [sock, resumed]) s.close();
  });

  it("an unreadable row is logged and left out: every hello still works, a resume across it gets a snapshot", async () => {
    const { owner, sql, inStorage, restart } = await roomWithFixtures();
    const first = await RawSocket.open(owner.workspaceId, { cookie: owner.cookie });
    const { epoch, snapshot } = await first.hello();
    // The fixture's "Rotate keys" expired long ago: let the room's expiry alarm settle it first.
    if (snapshot!.approvals.find((a) => a.title === "Rotate keys")?.status === "pending")
      await first.waitFor((f) => f.type === "event" && f.event === "approval.resolved");
    first.close();
    const seq = Number((await sql<{ value: string }>(`select value from room_meta where key = 'seq'`))[0]!.value);
    const logged = vi.spyOn(console, "error");
    await sql(
      `insert into threads (id, archived, updated_at, doc) values ('thr_broken', 0, 1, '{"id":"thr_broken","title":null}')`,
    );
    await sql(`update approvals set doc = '{broken' where id = ?`, String(tables.approvals![0]!.id));
    await sql(
      `insert into events (seq, event, payload, at) values (?, 'thread.created', '{"thread":{"id":1}}', 1)`,
      seq + 1,
    );
    await sql(`update room_meta set value = ? where key = 'seq'`, String(seq + 1));
    await restart();

    const sock = await RawSocket.open(owner.workspaceId, { cookie: owner.cookie });
    const hello = await sock.hello();
    expect(hello.snapshot!.threads.map((t) => t.id).sort()).toEqual([launch!.id, archived!.id].sort());
    expect(hello.snapshot!.approvals.map((a) => a.id)).not.toContain(tables.approvals![0]!.id);
    expect(hello.snapshot!.approvals).toHaveLength(4);
    // Reading that one row fails that request only; the room and the socket stay up.
    expect(await sock.call("approvals.get", { approvalId: String(tables.approvals![0]!.id) })).toMatchObject({
      ok: false,
      error: { code: "internal" },
    });
    expect((await sock.ok("approvals.get", { approvalId: String(tables.approvals![1]!.id) })).approval.title).toBe(
      "Rotate keys",
    );
    // Queries that look inside documents read past it too: the room's start applies approved
    // spend approvals, found by json_extract, which throws on '{broken' (and threw the start).
    expect(await inStorage((sql) => spendApprovals(sql, "approved"))).toEqual([]);

    // The replay would have a hole at the bad event: the client gets a fresh snapshot
    // instead. (Protocol 6: the replay streams in pages, so the hello that starts it comes
    // first and the room greets again with the snapshot when it reaches the bad event.)
    const resumed = await RawSocket.open(owner.workspaceId, { cookie: owner.cookie }, { lastSeq: seq, epoch });
    expect(await resumed.hello()).toMatchObject({ reset: false, resumedFrom: seq });
    const reset = await resumed.waitFor<EventFrame>(
      (f) => f.type === "event" && f.event === "hello" && (f.payload as HelloPayload).reset,
    );
    const again = reset.payload as HelloPayload;
    expect(again).toMatchObject({ reset: true, resumedFrom: null, seq: seq + 1 });
    expect(again.snapshot!.threads).toHaveLength(2);
    expect(resumed.events().filter((e: EventFrame) => e.seq !== undefined)).toEqual([]);

    const reasons = logged.mock.calls.map((c) => String(c[0])).filter((l) => l.includes("unreadable stored record"));
    expect(reasons.some((l) => l.includes('"kind":"thread"'))).toBe(true);
    expect(reasons.some((l) => l.includes('"kind":"approval"'))).toBe(true);
    expect(reasons.some((l) => l.includes('"kind":"event thread.created"'))).toBe(true);
    for (const s of [sock, resumed]) s.close();
  });
});
