// agent.toolset over MCP (docs/mcp.md), with the official client SDK against the Worker: an
// agent's key lists agent_toolset and gets, for a thread, the tools the Autopilot would have
// there if that key asked it — a read-only key's answer refuses the write tools with why.
import { describe, expect, it } from "vitest";
import type { MethodResult } from "../../../../../shared/protocol/methods";
import { uniq } from "../../../../test/harness";
import { keyedWithThread, toolNames } from "./test/client";

type Toolset = MethodResult<"agent.toolset">;

describe("agent.toolset over MCP", () => {
  it("answers a key with the tools a run for it would get, and why the rest are not offered", async () => {
    const { person, thread, client } = await keyedWithThread(["read"], uniq("thread"));
    expect(await toolNames(client)).toContain("agent_toolset");
    const result = await client.callTool({ name: "agent_toolset", arguments: { threadId: thread.id } });
    expect(result.isError).toBeFalsy();
    const toolset = result.structuredContent as Toolset;
    expect(toolset.scopes).toEqual(["read"]);
    expect(toolset.tools.find((t) => t.name === "chat_send")).toMatchObject({
      approval: "refused",
      why: "Needs write access, which you do not have here.",
    });
    expect(toolset.tools.find((t) => t.name === "threads_list")).toMatchObject({ approval: "none" });
    const bad = await client.callTool({ name: "agent_toolset", arguments: { threadId: "no-such-thread" } });
    expect(bad.isError).toBe(true);
    expect(JSON.stringify(bad.content)).toContain("not_found");
    await client.close();
    person.close();
  });
});
