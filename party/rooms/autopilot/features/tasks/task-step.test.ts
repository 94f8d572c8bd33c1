import { describe, expect, it } from "vitest";
import { taskFixture } from "../../../../../shared/test/task-fixtures";
import type { TaskDoc } from "../../../../records/task";
import { stepEnd } from "./task-step";
import { storedMessageBytes } from "./tasks";

const opening = { role: "user", content: "Alice (user) gives you this task:\nTidy the backlog" };
const assistant = {
  role: "assistant",
  content: [{ type: "tool-call", toolCallId: "c1", toolName: "threads_list", input: {} }],
};

/** A task whose step 2 has its one call answered with `result`, its conversation stored as rows. */
const answered = (result: string, conversation?: TaskDoc["conversation"]): TaskDoc => ({
  ...taskFixture(),
  scopes: [],
  messages: [opening],
  conversation: conversation ?? { rows: 1, bytes: storedMessageBytes(opening) },
  inflight: {
    step: 2,
    assistant,
    calls: [
      {
        toolCallId: "c1",
        tool: "threads_list",
        input: {},
        roomApprovalId: null,
        answer: null,
        result: { status: "ok", text: result },
      },
    ],
  },
});

describe("a task step's end", () => {
  it("appends the step's call and result to the stored rows without measuring the conversation again", () => {
    const task = answered("3 threads");
    const end = stepEnd(task);
    if (!end.ok) throw new Error("the step should fit");
    expect(end.task.messages).toEqual([opening, assistant, expect.objectContaining({ role: "tool" })]);
    expect(end.task.inflight).toBeNull();
    expect(end.task.used.steps).toBe(task.used.steps + 1);
    // The rows stored so far stay as they are: only the step's two messages are written.
    expect(end.task.conversation).toEqual(task.conversation);
  });

  it("counts the bound over the stored rows: past it the results are cut and every row written again, or the step fails", () => {
    const big = "x".repeat(5_000);
    const rows = storedMessageBytes(opening);
    // The stored figure says the conversation is near the bound already: the step's result is cut.
    const cut = stepEnd(answered(big, { rows: 1, bytes: rows }), rows + 3_000);
    if (!cut.ok) throw new Error("the step should fit once cut");
    const tool = cut.task.messages.at(-1) as { content: { output: { value: string } }[] };
    expect(tool.content[0]!.output.value).toMatch(/\[truncated before storage\]$/);
    expect(tool.content[0]!.output.value.length).toBeLessThan(big.length);
    expect(cut.task.conversation).toEqual({ rows: 0, bytes: 0 });
    // What does not fit even cut ends the task (its runner fails it).
    const over = stepEnd(answered("3 threads"), 100);
    expect(over).toEqual({ ok: false, bytes: expect.any(Number) });
    // A figure that does not count every message is not trusted: the conversation is measured.
    const unstored = { ...answered("3 threads", { rows: 0, bytes: 0 }), messages: [{ role: "user", content: big }] };
    expect(stepEnd(unstored, 3_000)).toEqual({ ok: false, bytes: expect.any(Number) });
  });
});
