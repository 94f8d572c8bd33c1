// Room tools derived from the method registry: every method classified and convertible,
// the run's scopes filter the set, no tool can approve, and the model never sees (or
// gets to choose) an idempotencyKey.
import { asSchema, type ToolExecutionOptions, type ToolSet } from "ai";
import { describe, expect, it, vi } from "vitest";
import { type MethodName, Methods } from "../../../../../../shared/protocol/methods";
import { TOOL_POLICY } from "../../../../../../shared/protocol/tool-policy";
import {
  AGENT_TOOLS,
  gatedRisk,
  methodOfTool,
  roomTools,
  runScopes,
  toolApprovalPolicy,
  toolDefinitionBytes,
  toolInputSchema,
  toolName,
  toolSchemaChars,
} from "../tools";

const METHODS = Object.keys(Methods) as MethodName[];
const noCall = async () => null;
const options = { toolCallId: "call_1", messages: [] } as unknown as ToolExecutionOptions<unknown>;

describe("tool policy", () => {
  it("every registry method converts to a tool input schema with no idempotencyKey", async () => {
    for (const method of METHODS) {
      const json = await asSchema(toolInputSchema(Methods[method].params)).jsonSchema;
      expect(json, method).toMatchObject({ type: "object" });
      expect(JSON.stringify(json), method).not.toContain("idempotencyKey");
    }
  });

  it("a room tool's schema as the model gets it names no draft ($schema), and its input is still validated", async () => {
    const tools = roomTools(["admin"], noCall);
    for (const [name, definition] of Object.entries(tools)) {
      const json = (await asSchema(definition.inputSchema).jsonSchema) as Record<string, unknown>;
      expect(json, name).toMatchObject({ type: "object" });
      expect(Object.keys(json), name).not.toContain("$schema");
    }
    const rename = asSchema(tools.threads_rename!.inputSchema);
    expect(await rename.validate!({ threadId: "thr_1", title: "X" })).toMatchObject({ success: true });
    expect(await rename.validate!({ threadId: "thr_1" })).toMatchObject({ success: false });
  });

  it("the model cannot choose who answers a thread it creates: threads_create takes a title only", async () => {
    const json = (await asSchema(toolInputSchema(Methods["threads.create"].params)).jsonSchema) as {
      properties: Record<string, unknown>;
    };
    expect(Object.keys(json.properties)).toEqual(["title"]);
  });

  it("the model attaches no files: chat_send takes a thread and text only", async () => {
    const json = (await asSchema(toolInputSchema(Methods["chat.send"].params)).jsonSchema) as {
      properties: Record<string, unknown>;
    };
    expect(Object.keys(json.properties).sort()).toEqual(["text", "threadId"]);
  });

  it("every tool name is a valid provider tool name and maps back to its method", () => {
    for (const method of METHODS) {
      expect(toolName(method)).toMatch(/^[a-zA-Z0-9_-]{1,64}$/);
      expect(methodOfTool(toolName(method))).toBe(method);
    }
    expect(methodOfTool("threads.rename")).toBeUndefined();
  });

  it("no agent tool needs the approve or admin scope; approvals.resolve is never a tool", () => {
    expect(AGENT_TOOLS.length).toBeGreaterThan(10);
    for (const agentTool of AGENT_TOOLS) expect(["read", "write"], agentTool.method).toContain(agentTool.scope);
    expect(TOOL_POLICY["approvals.resolve"].kind).toBe("never");
    expect(AGENT_TOOLS.some((t) => t.name === "approvals_resolve")).toBe(false);
    const all = roomTools(["read", "write", "approve", "admin"], noCall);
    expect(Object.keys(all)).not.toContain("approvals_resolve");
    expect(Object.keys(all)).not.toContain("chat_abort");
    expect(Object.keys(all)).not.toContain("presence_update");
  });

  it("gated tools carry a risk; methods that file their own approval are not gated again", () => {
    expect(gatedRisk("threads_archive")).toBe("medium");
    expect(gatedRisk("threads_rename")).toBeUndefined();
    expect(gatedRisk("instances_delete")).toBeUndefined();
    expect(TOOL_POLICY["instances.delete"].kind).toBe("approval-method");
  });
});

describe("run scopes and the tool set", () => {
  it("caps a run at read + write, expanding admin first", () => {
    expect(runScopes(["admin"])).toEqual(["read", "write"]);
    expect(runScopes(["read", "write", "approve"])).toEqual(["read", "write"]);
    expect(runScopes(["read"])).toEqual(["read"]);
    expect(runScopes(["approve"])).toEqual([]);
  });

  it("a viewer's run (read) gets no write tool", () => {
    const names = Object.keys(roomTools(runScopes(["read"]), noCall));
    expect(names).toContain("threads_list");
    expect(names).toContain("messages_list");
    expect(names).toContain("search_query");
    const writes = AGENT_TOOLS.filter((t) => t.scope === "write").map((t) => t.name);
    expect(writes.length).toBeGreaterThan(0);
    for (const name of writes) expect(names).not.toContain(name);
  });

  it("a member's run gets the write tools too", () => {
    const names = Object.keys(roomTools(runScopes(["read", "write", "approve"]), noCall));
    expect(names).toEqual(expect.arrayContaining(["threads_rename", "threads_archive", "chat_send", "graph_apply"]));
  });

  it("measures the tool definitions for the context budget; a viewer's set is smaller", async () => {
    const member = await toolSchemaChars(roomTools(["read", "write"], noCall));
    const viewer = await toolSchemaChars(roomTools(["read"], noCall));
    expect(viewer).toBeGreaterThan(500);
    expect(member).toBeGreaterThan(viewer);
    expect(await toolSchemaChars({})).toBe(0);
    // A later run's count comes from the per-schema memo: the same number, and no schema is
    // stringified again (stringifying them per run made garbage for the isolate to collect).
    const stringify = vi.spyOn(JSON, "stringify");
    try {
      expect(await toolSchemaChars(roomTools(["read", "write"], noCall))).toBe(member);
      expect(await toolSchemaChars(roomTools(["read"], noCall))).toBe(viewer);
      expect(stringify).not.toHaveBeenCalled();
    } finally {
      stringify.mockRestore();
    }
  });

  it("makes each input schema once: every run (and the budget and the request within one) reuses its JSON Schema", async () => {
    const first = roomTools(["read", "write"], noCall).threads_rename!;
    const second = roomTools(["read"], noCall).threads_list!;
    const again = roomTools(["read", "write"], noCall);
    expect(again.threads_rename!.inputSchema).toBe(first.inputSchema);
    expect(again.threads_list!.inputSchema).toBe(second.inputSchema);
    expect(await asSchema(again.threads_rename!.inputSchema).jsonSchema).toBe(
      await asSchema(first.inputSchema).jsonSchema,
    );
  });

  it("measures a definition's bytes once per schema, and anew when its name or description differs", async () => {
    const encode = (text: string) => new TextEncoder().encode(text).byteLength;
    const list = roomTools(["read"], noCall).threads_list!;
    const description = typeof list.description === "string" ? list.description : "";
    const schemaBytes = encode(JSON.stringify(await asSchema(list.inputSchema).jsonSchema));
    const one = await toolDefinitionBytes({ threads_list: list });
    expect(one).toBe(64 + encode("threads_list") + encode(description) + schemaBytes);
    // A later step's tools (built again, the same schemas) count the same without encoding again.
    const encodeSpy = vi.spyOn(TextEncoder.prototype, "encode");
    try {
      expect(await toolDefinitionBytes({ threads_list: roomTools(["read"], noCall).threads_list! })).toBe(one);
      expect(encodeSpy).not.toHaveBeenCalled();
    } finally {
      encodeSpy.mockRestore();
    }
    // The same schema under another description (or name) is measured with what it says now.
    const longer = `${description} — and a longer description, é`;
    const described = { ...list, description: longer } as ToolSet[string];
    expect(await toolDefinitionBytes({ threads_list: described })).toBe(
      64 + encode("threads_list") + encode(longer) + schemaBytes,
    );
    expect(await toolDefinitionBytes({ other_name: list })).toBe(
      64 + encode("other_name") + encode(description) + schemaBytes,
    );
  });

  it("executes through call with the method name and parsed input, a model-chosen idempotencyKey stripped", async () => {
    const calls: unknown[] = [];
    const tools = roomTools(["read", "write"], async (method, params) => {
      calls.push({ method, params });
      return { ok: true };
    });
    const threadsList = tools.threads_list!;
    const parsed = await asSchema(threadsList.inputSchema).validate!({ includeArchived: true });
    expect(parsed.success).toBe(true);
    const rename = tools.threads_rename!;
    const renameInput = await asSchema(rename.inputSchema).validate!({
      threadId: "thr_1",
      title: "New",
      idempotencyKey: "chosen-by-model",
    });
    if (!renameInput.success) throw renameInput.error;
    expect(renameInput.value).toEqual({ threadId: "thr_1", title: "New" });
    expect(await rename.execute!(renameInput.value, options)).toEqual({ ok: true });
    expect(calls).toEqual([{ method: "threads.rename", params: { threadId: "thr_1", title: "New" } }]);
  });
});

describe("toolApprovalPolicy", () => {
  const call = (toolName: string) => ({ toolCall: { toolName } });

  it("pauses gated tools for a person, runs the rest at once", () => {
    const policy = toolApprovalPolicy(["read", "write"]);
    expect(policy(call("threads_archive"))).toBe("user-approval");
    expect(policy(call("threads_rename"))).toBeUndefined();
    expect(policy(call("instances_restart"))).toBeUndefined();
  });

  it("denies a tool outside the run's scopes (re-checked when a run resumes)", () => {
    expect(toolApprovalPolicy(["read"])(call("threads_archive"))).toMatchObject({ type: "denied" });
  });

  it("leaves tools that are not room tools to the caller's policy", () => {
    expect(
      toolApprovalPolicy(["read", "write"], (call) =>
        call.toolName === "openclaw_tool" ? "user-approval" : undefined,
      )(call("openclaw_tool")),
    ).toBe("user-approval");
  });
});
