// What the room writes for people to read as it is (the app shows these verbatim): the title
// of the approval a gated tool call files, a tool call's line in its thread and in a run's
// log, an approval's line in the log. Over every tool the Autopilot's model may call and
// every outcome, none may show a raw id, a tool's name or milliseconds (the issue saw
// "Autopilot wants to run threads_archive" and "Ran threads_archive").
import { describe, expect, it } from "vitest";
import { TOOL_POLICY } from "../../../../../shared/protocol/tool-policy";
import type { MethodName } from "../../../../../shared/protocol/methods";
import { textsWithInternals } from "../../../../../shared/test/plain-text-check";
import { approvedApproval } from "../../../../../shared/test/records";
import { toolLine } from "./autopilot-posts";
import { approvalFor } from "../toolset/run-tools";
import { approvalEntry, toolCallEntry } from "./task-log";
import { toolName } from "../toolset/tools";

const RUN = "run_9b8c7d6e5f4a3b2c1d0e";
const THREAD = "thr_3f9a2c1b7d6e5f4a3b2c";
const offered = (Object.keys(TOOL_POLICY) as MethodName[]).filter((m) => TOOL_POLICY[m].kind !== "never");

describe("the room's own sentences", () => {
  it("an approval's title says what the call does, for every gated tool and the OpenClaw tool", () => {
    const texts: Record<string, string> = {};
    for (const method of offered) {
      const tool = toolName(method);
      texts[tool] = approvalFor(tool, { threadId: THREAD }, [], "Lab").title;
    }
    texts.gateway = approvalFor("openclaw_tool", { tool: "web_search", args: {} }, ["web_search"], "Lab").title;
    expect(texts.threads_archive).toBe("The Autopilot wants to archive a thread");
    expect(textsWithInternals(texts)).toEqual({});
  });

  it("a tool call's line in the thread and in the run log, whatever its outcome", () => {
    const texts: Record<string, string> = {};
    for (const method of offered) {
      const tool = toolName(method);
      for (const status of ["ok", "error", "denied", "expired"] as const) {
        const result = status === "ok" ? "{}" : status === "denied" ? "denied by Bob: not now" : "it failed";
        texts[`message ${tool} ${status}`] = toolLine({
          callId: "call_0",
          name: tool,
          arguments: JSON.stringify({ threadId: THREAD }),
          result,
          status,
          durationMs: 120_000,
          approvalId: null,
          runId: RUN,
        });
        if (status !== "expired")
          texts[`log ${tool} ${status}`] = toolCallEntry(
            3,
            { toolCallId: "call_0", tool, input: { threadId: THREAD }, roomApprovalId: null },
            { status, text: result },
          ).text;
      }
    }
    expect(texts["log threads_archive ok"]).toBe("Archive a thread: done");
    expect(textsWithInternals(texts)).toEqual({});
  });

  it("an approval's line in the run log says who decided, or that it was withdrawn", () => {
    const base = approvedApproval({
      id: "apr_5e4d3c2b1a0f9e8d7c6b",
      summary: "The Autopilot will archive the thread “Launch plan”: it leaves the thread list.",
      threadId: THREAD,
      resolvedBy: { id: "usr_1", kind: "user", name: "Bob" },
    });
    const texts = {
      approved: approvalEntry(base, 2).text,
      denied: approvalEntry({ ...base, status: "denied", note: "not today" }, 2).text,
      expired: approvalEntry({ ...base, status: "expired", resolvedBy: null }, 2).text,
      withdrawn: approvalEntry({ ...base, status: "expired", resolvedBy: null, note: "Alice went ahead without it" }, 2)
        .text,
    };
    expect(texts.withdrawn).toBe("Withdrawn: The Autopilot wants to archive a thread (Alice went ahead without it)");
    expect(textsWithInternals(texts)).toEqual({});
  });
});
