// What the room tells of a gateway's tool list and of a tool's answer: bounded, plain text,
// token shapes cut out, whatever the gateway sent.
import { describe, expect, it } from "vitest";
import { InstancesInvokeToolResult, InstancesToolsResult } from "../../../../../shared/protocol/instance-tools";
import { answerText, JOB_RESULT_CHARS, MAX_LISTED_TOOLS, toolList } from "./answer";

const TOKEN = "xoxb-1234567890-abcdefghij";

describe("a gateway tool's answer as the room tells it", () => {
  it("is cut to the protocol's bound (or a job's), token shapes gone, and parses as the wire's result", () => {
    const huge = `${"a".repeat(10_000)} ${TOKEN} ${"b".repeat(20_000)}`;
    const told = answerText({ ok: true, text: huge });
    expect(told.ok).toBe(true);
    expect(told.output.length).toBeLessThanOrEqual(16_000);
    expect(told.output).toContain("[hidden]");
    expect(told.output).not.toContain(TOKEN);
    expect(InstancesInvokeToolResult.safeParse({ ran: told, approval: null }).success).toBe(true);
    expect(answerText({ ok: true, text: huge }, JOB_RESULT_CHARS).output.length).toBeLessThanOrEqual(JOB_RESULT_CHARS);
  });

  it("says a refusal in words: the gateway's code and message", () => {
    expect(answerText({ ok: false, code: "not_found", message: `no tool; ${TOKEN}` })).toEqual({
      ok: false,
      output: "not_found: no tool; [hidden]",
    });
  });

  it("lists at most the protocol's tools, descriptions on one line within its bound, risky ones marked", () => {
    const catalog = Array.from({ length: MAX_LISTED_TOOLS + 50 }, (_, i) => ({
      name: i === 0 ? "exec" : `tool_${i}`,
      description: `line one\n\nline two ${TOKEN} ${"d".repeat(500)}`,
    }));
    const listed = toolList(catalog, ["exec"]);
    expect(listed.tools).toHaveLength(MAX_LISTED_TOOLS);
    expect(listed.tools[0]).toMatchObject({ name: "exec", needsApproval: true });
    expect(listed.tools[1]).toMatchObject({ name: "tool_1", needsApproval: false });
    expect(listed.tools[1]!.description).toMatch(/^line one line two \[hidden\] d+/);
    expect(InstancesToolsResult.safeParse(listed).success).toBe(true);
  });
});
