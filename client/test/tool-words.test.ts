import { describe, expect, it } from "vitest";
import type { NameLookup } from "../../shared/approval-summary";
import type { Approval } from "../../shared/protocol/approvals";
import type { Message } from "../../shared/protocol/threads";
import { approvedApproval, memoryPutCall } from "../../shared/test/records";
import {
  approvalTaskId,
  callsLine,
  callWords,
  decisionLine,
  factsOf,
  foldToolRuns,
  localTime,
  resultLine,
} from "../app/lib/tool-words";

const names: NameLookup = {
  thread: (id) => (id === "thr_1" ? "Docs: API keys page" : null),
  instance: (id) => (id === "ins_1" ? "Work gateway" : null),
  job: () => null,
};
const clock = (at: number) => `@${at}`;

const approval = (over: Partial<Approval>): Approval =>
  approvedApproval({
    resolvedBy: { id: "usr_a", kind: "user", name: "Alice Owner" },
    action: {
      kind: "tool",
      runId: "task_abc",
      toolCallId: "c1",
      tool: "threads_archive",
      arguments: JSON.stringify({ threadId: "thr_1", archived: true }),
    },
    ...over,
  });

describe("a tool call in words", () => {
  it("names what the call acted on", () => {
    expect(callWords("threads_archive", '{"threadId":"thr_1"}', names)).toBe(
      "archive the thread “Docs: API keys page”",
    );
    expect(callWords("messages_list", '{"threadId":"thr_1"}', names)).toBe(
      "read a thread's messages in “Docs: API keys page”",
    );
    expect(callWords("memory_put", '{"key":"k"}', names)).toBe("remember a note");
    // An id the room has no name for is never shown.
    expect(callWords("threads_archive", '{"threadId":"thr_gone"}', names)).toBe("archive a thread");
  });

  it("puts arguments and results in words: names for ids, local times for epoch ms, yes/no, counts", () => {
    const at = Date.UTC(2026, 10, 28, 14, 2);
    const read = factsOf(
      JSON.stringify({
        threadId: "thr_1",
        archived: true,
        createdAt: at,
        expiresInMs: 90_000,
        tags: ["a", "b"],
        rows: [{}, {}],
        n: 3,
      }),
      names,
    );
    expect(read?.facts.map((f) => [f.label, f.text])).toEqual([
      ["Thread", "Docs: API keys page"],
      ["Archived", "yes"],
      ["Created at", localTime(at)],
      ["Expires in ms", "2 min"],
      ["Tags", "a, b"],
      ["Rows", "2 items"],
      ["N", "3"],
    ]);
    expect(read?.facts[0]).toMatchObject({ named: true, raw: "thr_1" });
    expect(read?.facts[2]?.raw).toBe(String(at));
    expect(factsOf("not json", names)).toBeNull();
    // A record goes by its name; an id the room has no name for is left to the JSON.
    const result = factsOf(
      JSON.stringify({
        thread: { id: "thr_1a2b3c4d", title: "Old plans" },
        entry: { id: "mem_9f8e7d6c", key: "k" },
        id: "mem_9f8e7d6c",
      }),
      names,
    );
    expect(result?.facts.map((f) => [f.label, f.text])).toEqual([
      ["Thread", "Old plans"],
      ["Entry", "Key: k"],
    ]);
    expect(resultLine("[1,2,3]")).toBe("3 items");
    expect(resultLine("permission denied: nope")).toBe("permission denied: nope");
  });

  it("bounds what a hostile call shows", () => {
    const many = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`k${i}`, "x".repeat(5000)]));
    const read = factsOf(JSON.stringify(many), names)!;
    expect(read.facts).toHaveLength(12);
    expect(read.more).toBe(28);
    expect(read.facts.every((f) => f.text.length <= 200)).toBe(true);
  });
});

describe("a run's calls in one line", () => {
  it("counts repeats and says what did not go through", () => {
    const memory = { name: "memory_put", arguments: "{}", status: "ok" as const };
    expect(
      callsLine(
        Array.from({ length: 8 }, () => memory),
        names,
      ),
    ).toBe("8 tool calls: remember a note ×8");
    expect(
      callsLine(
        [
          { name: "threads_archive", arguments: '{"threadId":"thr_1"}', status: "ok" },
          memory,
          { name: "jobs_cancel", arguments: "{}", status: "denied" },
        ],
        names,
      ),
    ).toBe("3 tool calls: archive the thread “Docs: API keys page”, remember a note, cancel a job · 1 not run");
  });

  it("folds only consecutive calls of one run", () => {
    const msg = (id: string, runId: string | null): Message =>
      ({
        id,
        threadId: "thr_9",
        n: 1,
        text: "",
        author: { id: "autopilot", kind: "agent", name: "Autopilot" },
        createdAt: 1,
        ...(runId
          ? {
              kind: "tool",
              tool: memoryPutCall(id, runId),
            }
          : {}),
      }) as Message;
    const runs = foldToolRuns([
      msg("a", "r1"),
      msg("b", "r1"),
      msg("c", "r1"),
      msg("t", null),
      msg("d", "r1"),
      msg("e", "r2"),
      msg("f", "r2"),
    ]);
    expect(runs.map((r) => (r.kind === "calls" ? r.messages.map((m) => m.id).join("") : r.message.id))).toEqual([
      "abc",
      "t",
      "d",
      "ef",
    ]);
  });
});

describe("a decision where the approval's card was", () => {
  it("says who decided what, and when", () => {
    expect(decisionLine(approval({}), names, clock)).toBe(
      "✓ Alice Owner approved: archive the thread “Docs: API keys page” · @5",
    );
    expect(
      decisionLine(
        approval({
          status: "denied",
          note: "not yet",
          decidedIn: "slack",
          resolvedBy: { id: "b", kind: "user", name: "Bob" },
        }),
        names,
        clock,
      ),
    ).toBe("✕ Denied by Bob in Slack: archive the thread “Docs: API keys page” · @5 — “not yet”");
    expect(decisionLine(approval({ status: "expired", resolvedBy: null }), names, clock)).toBe(
      "⌛ Expired, nobody decided: archive the thread “Docs: API keys page” · @5",
    );
    expect(decisionLine(approval({ status: "expired", note: "went ahead" }), names, clock)).toMatch(
      /^⌛ Withdrawn by Alice Owner: archive/,
    );
    expect(decisionLine(approval({ status: "pending" }), names, clock)).toBeNull();
  });

  it("knows the task a step's approval is for", () => {
    expect(approvalTaskId(approval({}))).toBe("task_abc");
    const reply = approval({});
    if (reply.action?.kind === "tool") reply.action.runId = "run_1";
    expect(approvalTaskId(reply)).toBeNull();
  });
});
