// A guest's run (docs/chats.md, "Guests"): the one call it makes without a person is reading
// its own thread (besides loading tools, which acts on nothing); every other call of a tool the run holds waits for a person's approval, and
// what the run's own policy denies stays denied.
import { describe, expect, it } from "vitest";
import { AGENT_TOOLS, toolApprovalPolicy } from "../tools";
import { GATEWAY_TOOL } from "../../instances/index";
import { guestPolicy } from "../run-tools";
import { LOAD_TOOL } from "../offer";

const policy = guestPolicy("t-bound", toolApprovalPolicy(["read", "write"]));
const call = (toolName: string, input: unknown = {}) => policy({ toolCall: { toolName, input } });

describe("a guest's run", () => {
  it("reads its own thread at once, and nothing else", () => {
    expect(call("messages_list", { threadId: "t-bound" })).toBeUndefined();
    expect(call("messages_list", { threadId: "t-other" })).toBe("user-approval");
    expect(call("messages_list", {})).toBe("user-approval");
  });

  it("loads tools at once: loading only changes what its next calls are offered, and those still ask", () => {
    expect(call(LOAD_TOOL, { tools: ["audit_list"] })).toBeUndefined();
    expect(call("audit_list", {})).toBe("user-approval");
  });

  it("asks a person for every other tool it holds: other threads, audit, memory, search, money, posting elsewhere, an instance's", () => {
    const held = AGENT_TOOLS.filter((t) => t.scope === "read" || t.scope === "write").map((t) => t.name);
    expect(held).toEqual(expect.arrayContaining(["audit_list", "memory_list", "chat_send", "threads_list"]));
    for (const name of held.filter((n) => n !== "messages_list"))
      expect(call(name, { threadId: "t-bound" }), name).toBe("user-approval");
    expect(call(GATEWAY_TOOL, { tool: "exec" })).toBe("user-approval");
  });

  it("keeps what the run's own policy denies denied", () => {
    const readOnly = guestPolicy("t-bound", toolApprovalPolicy(["read"]));
    expect(readOnly({ toolCall: { toolName: "chat_send", input: { threadId: "t-bound" } } })).toMatchObject({
      type: "denied",
    });
  });
});
