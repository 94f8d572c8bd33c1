// The Hatchery's paged snapshot with the Autopilot's tool calls in it: the newest
// TOOL_CALLS_PER_THREAD tool messages of every thread come as the snapshot's last step,
// whole threads per page, so a workspace with many chatty threads never travels in one
// reply and no thread's calls are split or sent twice.
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { Message } from "../../../../../shared/protocol/threads";
import { memoryPutCall, threadRecord } from "../../../../../shared/test/records";
import { TOOL_CALLS_PER_THREAD } from "../../../../../shared/hatchery/activity";
import { snapshotPage } from "./graph-feed";
import { type Sql, sqlFromStorage } from "../../../../domain/sql";
import { messageRecord, threadRecord as threadRecordCodec } from "../../../../records/documents";
import { THREAD_PREVIEW_CHARS } from "../../../../../shared/hatchery/domain";
import type { Autopilot } from "../../room";
import { uniq } from "../../../../test/harness";

const rooms = (env as unknown as { Autopilot: DurableObjectNamespace<Autopilot> }).Autopilot;

/** `calls` tool messages in `threadId`, each its own run, with ~`bytes` of text. */
function seedToolCalls(sql: Sql, threadId: string, calls: number, bytes: number): void {
  for (let i = 0; i < calls; i++) {
    const runId = `run_${threadId}_${i}`;
    const messageId = `msg_${threadId}_${i}`;
    sql.run(
      `insert into agent_runs (id, thread_id, trigger_message_id, status, segment, created_at, updated_at, doc) values (?, ?, ?, 'done', 0, ?, ?, '{}')`,
      runId,
      threadId,
      `trigger_${threadId}_${i}`,
      i,
      i,
    );
    const message: Omit<Message, "n"> = {
      id: messageId,
      threadId,
      author: { id: "autopilot", kind: "agent", name: "Autopilot" },
      text: "x".repeat(bytes),
      createdAt: 1000 + i,
      kind: "tool",
      tool: memoryPutCall("call_0", runId),
    };
    sql.run(
      `insert into messages (id, thread_id, doc) values (?, ?, ?)`,
      messageId,
      threadId,
      messageRecord.encode(message),
    );
    sql.run(
      `insert into agent_tool_calls (run_id, tool_call_id, name, status, message_id, at) values (?, 'call_0', 'memory_put', 'ok', ?, ?)`,
      runId,
      messageId,
      i,
    );
  }
}

describe("the Hatchery's snapshot pages the tool calls", () => {
  it("the newest calls of each thread, whole threads per page within the byte budget, each thread once", async () => {
    const stub = rooms.get(rooms.idFromName(uniq("ws_feed_")));
    await runInDurableObject(stub, async (_room: Autopilot, state) => {
      const sql = sqlFromStorage(state.storage);
      const threads = Array.from({ length: 30 }, (_, i) => `thr_${String(i).padStart(2, "0")}`);
      for (const t of threads) seedToolCalls(sql, t, TOOL_CALLS_PER_THREAD + 3, 1000);
      // About two threads' newest calls fit in a page.
      const budget = 2 * TOOL_CALLS_PER_THREAD * 1100;
      const seen: Message[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const { page, next } = snapshotPage(sql, cursor, budget);
        pages++;
        const perThread = new Map<string, number>();
        for (const m of page.toolMessages) perThread.set(m.threadId, (perThread.get(m.threadId) ?? 0) + 1);
        // A thread is never split across pages.
        for (const count of perThread.values()) expect(count).toBe(TOOL_CALLS_PER_THREAD);
        expect(JSON.stringify(page.toolMessages).length).toBeLessThan(budget + 3 * TOOL_CALLS_PER_THREAD * 1100);
        seen.push(...page.toolMessages);
        cursor = next;
        expect(pages).toBeLessThan(100);
      } while (cursor !== null);
      expect(pages).toBeGreaterThan(5);
      expect(new Set(seen.map((m) => m.id)).size).toBe(seen.length);
      expect(seen).toHaveLength(threads.length * TOOL_CALLS_PER_THREAD);
      // The newest of each thread: the three oldest calls (0..2) are left out.
      for (const m of seen) expect(Number(m.id.split("_").at(-1))).toBeGreaterThanOrEqual(3);
    });
  });

  it("a snapshot whose tables spent the budget still comes back for the tool calls", async () => {
    const stub = rooms.get(rooms.idFromName(uniq("ws_feed_")));
    await runInDurableObject(stub, async (_room: Autopilot, state) => {
      const sql = sqlFromStorage(state.storage);
      seedToolCalls(sql, "thr_only", 2, 100);
      sql.run(
        `insert into jobs (id, status, updated_at, doc) values ('job_big', 'running', 1, ?)`,
        JSON.stringify({ padding: "y".repeat(5000) }),
      );
      // The job row alone (unreadable, so left out and logged, but read) is over the budget:
      // that page ends with the tables, and the tool calls come next rather than never.
      const first = snapshotPage(sql, null, 1000);
      expect(first.page.toolMessages).toEqual([]);
      expect(first.next).not.toBeNull();
      const second = snapshotPage(sql, first.next, 1000);
      expect(second.page.toolMessages.map((m) => m.id).sort()).toEqual(["msg_thr_only_0", "msg_thr_only_1"]);
      expect(second.next).toBeNull();
    });
  });

  it("each thread comes with its newest message, cut to what its node shows, on the page the thread is on", async () => {
    const stub = rooms.get(rooms.idFromName(uniq("ws_feed_")));
    await runInDurableObject(stub, async (_room: Autopilot, state) => {
      const sql = sqlFromStorage(state.storage);
      const threads = Array.from({ length: 12 }, (_, i) => `thr_${String(i).padStart(2, "0")}`);
      for (const [i, id] of threads.entries()) {
        sql.run(
          `insert into threads (id, archived, updated_at, doc) values (?, 0, 1, ?)`,
          id,
          threadRecordCodec.encode(threadRecord(id, { messageCount: 3, lastMessageAt: 1002 })),
        );
        // The last thread has nothing said in it; the others three messages each, the newest long.
        if (i === threads.length - 1) continue;
        for (let k = 0; k < 3; k++) seedMessage(sql, id, k, k === 2 ? "z".repeat(5000) : `message ${k}`);
      }
      let cursor: string | null = null;
      let pages = 0;
      const seen = new Map<string, Message>();
      do {
        const { page, next } = snapshotPage(sql, cursor, 3000);
        pages++;
        const onPage = new Set(page.threads.map((t) => t.id));
        for (const m of page.lastMessages) {
          expect(onPage.has(m.threadId), `${m.threadId} is on the page its message is`).toBe(true);
          seen.set(m.threadId, m);
        }
        cursor = next;
        expect(pages).toBeLessThan(100);
      } while (cursor !== null);
      // The byte budget counts the messages too: a few threads a page.
      expect(pages).toBeGreaterThan(2);
      expect([...seen.keys()].sort()).toEqual(threads.slice(0, -1));
      for (const m of seen.values()) {
        expect(m.id).toBe(`msg_${m.threadId}_2`);
        expect(m.text).toBe("z".repeat(THREAD_PREVIEW_CHARS));
      }
    });
  });
});

function seedMessage(sql: Sql, threadId: string, k: number, text: string): void {
  const message: Omit<Message, "n"> = {
    id: `msg_${threadId}_${k}`,
    threadId,
    author: { id: "u1", kind: "user", name: "Olga" },
    text,
    createdAt: 1000 + k,
  };
  sql.run(
    `insert into messages (id, thread_id, doc) values (?, ?, ?)`,
    message.id,
    threadId,
    messageRecord.encode(message),
  );
}
