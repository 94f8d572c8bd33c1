// What a model call is offered of a run's tools (offer.ts, decision 113): the everyday
// families and tools_load at first, a loaded or already called tool from then on, read from
// the conversation alone; a gateway's tools always; bad load input loads nothing.
import type { ModelMessage, ToolExecutionOptions, ToolSet } from "ai";
import { describe, expect, it } from "vitest";
import { LOAD_TOOL, offeredToolBytes, offeredToolNames, offeredTools, withLoadTool } from "../offer";
import { roomTools, toolDefinitionBytes } from "../tools";

const tools = withLoadTool({
  ...roomTools(["read", "write"], async () => null),
  openclaw_tool: {
    description: "an instance's gateway tool",
    inputSchema: roomTools(["read"], async () => null).threads_list!.inputSchema,
  },
} as ToolSet);
const options = { toolCallId: "call_1", messages: [] } as unknown as ToolExecutionOptions<unknown>;

const call = (toolName: string, input: unknown, id = "c1"): ModelMessage => ({
  role: "assistant",
  content: [{ type: "tool-call", toolCallId: id, toolName, input }],
});
const user: ModelMessage = { role: "user", content: "hello" };

describe("the tools a call is offered", () => {
  it("first: the everyday families, the gateway's tools and tools_load, whose description names the rest", async () => {
    const first = offeredToolNames(tools, [user]);
    expect(first).toEqual(
      expect.arrayContaining(["threads_list", "chat_send", "memory_put", "tasks_start", "jobs_start"]),
    );
    expect(first).toContain("openclaw_tool");
    expect(first).toContain(LOAD_TOOL);
    expect(first).not.toContain("schedules_create");
    expect(first).not.toContain("instances_list");
    const rest = Object.keys(tools).filter((name) => !first.includes(name));
    expect(rest.length).toBeGreaterThan(40);
    const catalog = tools[LOAD_TOOL]!.description ?? "";
    for (const name of rest) expect(catalog).toContain(name);
    // Well under half the definitions' bytes of the whole set, and what a call's cost bound counts.
    const all = await toolDefinitionBytes(tools);
    const sent = await toolDefinitionBytes(offeredTools(tools, [user]));
    expect(sent).toBeLessThan(all / 2);
    const bytesFor = await offeredToolBytes(tools);
    expect(bytesFor([user])).toBe(sent);
    const loaded = [user, call(LOAD_TOOL, { tools: ["schedules"] })];
    expect(bytesFor(loaded)).toBe(await toolDefinitionBytes(offeredTools(tools, loaded)));
    expect(bytesFor(loaded)).toBeGreaterThan(sent);
  });

  it("a loaded tool, a loaded family and a tool called before are offered from then on", () => {
    const loaded = offeredToolNames(tools, [user, call(LOAD_TOOL, { tools: ["schedules_create", "projects"] })]);
    expect(loaded).toContain("schedules_create");
    expect(loaded).not.toContain("schedules_delete");
    expect(loaded).toEqual(expect.arrayContaining(["projects_create", "projects_list", "projects_update"]));
    // Called without loading (a conversation from before, or a model that guessed): offered again.
    expect(offeredToolNames(tools, [user, call("instances_list", {})])).toContain("instances_list");
  });

  it("a load with bad input loads nothing; a tool the run does not have is never offered", async () => {
    for (const input of [null, "schedules", { tools: "schedules" }, { tools: [42] }, { tools: [] }])
      expect(offeredToolNames(tools, [user, call(LOAD_TOOL, input)])).toEqual(offeredToolNames(tools, [user]));
    const readOnly = withLoadTool(roomTools(["read"], async () => null));
    const offered = offeredToolNames(readOnly, [user, call(LOAD_TOOL, { tools: ["schedules"] })]);
    expect(offered).toContain("schedules_list");
    expect(offered).not.toContain("schedules_create");
    // What the load answers: what it loaded, and what it could not.
    const answer = await readOnly[LOAD_TOOL]!.execute!(
      { tools: ["schedules_create", "schedules_list", "nope"] },
      options,
    );
    expect(answer).toEqual({ loaded: ["schedules_list"], notLoaded: ["nope", "schedules_create"] });
  });

  it("a run with nothing on request gets no tools_load and every tool it has", () => {
    const everyday = roomTools(["read"], async () => null);
    const few = withLoadTool({ threads_list: everyday.threads_list! });
    expect(Object.keys(few)).toEqual(["threads_list"]);
    expect(offeredToolNames(few, [user])).toEqual(["threads_list"]);
  });
});
