// A task's conversation is rows of its own (decision 97): a step appends its messages, the task's
// document keeps the rest. A task stored before, its conversation inside its document, still
// loads after a restart and goes on from where it was, its messages then moved to rows.
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { Approval } from "../../../../../../shared/protocol/approvals";
import type { RunLogEntry } from "../../../../../../shared/protocol/tasks";
import { idem, RawSocket } from "../../../../../test/harness";
import { agentRoom, taskState } from "./test/harness";

const roomStub = (workspaceId: string) => {
  const rooms = (env as unknown as { Autopilot: DurableObjectNamespace }).Autopilot;
  return rooms.get(rooms.idFromName(workspaceId));
};

interface Stored {
  doc: Record<string, unknown>;
  /** The messages of the conversation's rows (without their codec's version). */
  rows: Record<string, unknown>[];
  /** The rows' bytes as stored. */
  bytes: number;
}

/** The task's row and its conversation's rows, as the room's storage holds them. */
const stored = (workspaceId: string, taskId: string): Promise<Stored> =>
  runInDurableObject(roomStub(workspaceId), (_room, state) => {
    const sql = state.storage.sql;
    const doc = JSON.parse(sql.exec<{ doc: string }>("select doc from tasks where id = ?", taskId).one().doc);
    const texts = sql
      .exec<{ message: string }>("select message from task_messages where task_id = ? order by seq", taskId)
      .toArray()
      .map((row) => row.message);
    const rows = texts.map((text) => {
      const { $v: _v, ...message } = JSON.parse(text);
      return message;
    });
    return { doc, rows, bytes: texts.reduce((n, text) => n + new TextEncoder().encode(text).length, 0) };
  });

describe("a task's conversation", () => {
  it("is kept as rows a step appends to; a task stored with it in its document loads after a restart and goes on", async () => {
    const { owner, sock } = await agentRoom();
    const { thread: target } = await sock.ok("threads.create", { title: "Old plans", idempotencyKey: idem() });
    const goal = `STEPS: threads_list {}; threads_archive {"threadId":"${target.id}"}; threads_list {}`;
    const { task } = await sock.ok("tasks.start", { goal, idempotencyKey: idem() });
    // Step 2 waits for a person: step 1's messages are stored, the opening before them.
    await taskState(sock, task.id, (t) => t.status === "waiting");
    const before = await stored(owner.workspaceId, task.id);
    expect(before.doc.messages).toBeUndefined();
    expect(before.rows.map((m) => m.role)).toEqual(["user", "assistant", "tool"]);
    expect(before.doc.conversation).toEqual({ rows: 3, bytes: before.bytes });

    // The same task as a room stored it before its conversation had rows: inside its document.
    await runInDurableObject(roomStub(owner.workspaceId), (_room, state) => {
      const sql = state.storage.sql;
      const { conversation: _c, ...old } = before.doc;
      sql.exec("update tasks set doc = ? where id = ?", JSON.stringify({ ...old, messages: before.rows }), task.id);
      sql.exec("delete from task_messages where task_id = ?", task.id);
    });
    const old = await stored(owner.workspaceId, task.id);
    expect(old.doc.messages).toEqual(before.rows);
    expect(old.rows).toEqual([]);
    await runInDurableObject(roomStub(owner.workspaceId), (_room, state) => state.abort("restart")).catch(() => {});
    sock.close();

    const back = await RawSocket.open(owner.workspaceId, { cookie: owner.cookie });
    await back.hello();
    const pending = (await back.ok("approvals.list", { status: "pending" })).approvals.find(
      (a: Approval) => a.action?.kind === "tool" && a.action.runId === task.id,
    );
    await back.ok("approvals.resolve", {
      approvalId: pending!.id,
      decision: "approve",
      confirmOwn: true,
      idempotencyKey: idem(),
    });
    // It goes on from step 2: no step repeats, and the model saw the last tool result.
    const done = await taskState(back, task.id, (t) => t.status === "done");
    expect(done.used.steps).toBe(4);
    expect(done.outcome).toMatch(/TOOL RESULT SEEN/);
    const { entries } = await back.ok("runlog.list", { runId: task.id, after: 0, limit: 100 });
    expect(
      entries.filter((e: RunLogEntry) => e.kind === "tool-call").map((e: RunLogEntry) => [e.step, e.details.tool]),
    ).toEqual([
      [1, "threads_list"],
      [2, "threads_archive"],
      [3, "threads_list"],
    ]);

    // Its messages moved to rows with its next write: the opening, three steps' call and result, the report.
    const after = await stored(owner.workspaceId, task.id);
    expect(after.doc.messages).toBeUndefined();
    expect(after.rows.map((m) => m.role)).toEqual([
      "user",
      ...Array(3).fill(["assistant", "tool"]).flat(),
      "assistant",
    ]);
    expect(after.rows.slice(0, 3)).toEqual(before.rows);
    expect(after.doc.conversation).toEqual({ rows: 8, bytes: after.bytes });
    back.close();
  });
});
