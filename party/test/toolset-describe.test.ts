// agent.toolset's description of the Autopilot's tools against what runTools builds for the
// same scopes (the function every run and task builds its tools with): the tools offered,
// the ones a person approves first, an attached instance's gateway tool and its catalog.
import { describe, expect, it } from "vitest";
import { Methods, type MethodName } from "../../shared/protocol/methods";
import type { Scope } from "../../shared/protocol/principal";
import { DEFAULT_RISKY_GATEWAY_TOOLS, GATEWAY_TOOL } from "../rooms/autopilot/features/gateway-bridge/gateway-catalog";
import type { GatewayAccess } from "../rooms/autopilot/features/gateway-bridge/gateway-tool";
import { runTools } from "../rooms/autopilot/features/toolset/run-tools";
import { LOAD_TOOL } from "../rooms/autopilot/features/toolset/offer";
import type { Sql } from "../domain/sql";
import { TOOL_POLICY } from "../../shared/protocol/tool-policy";
import { instanceTools, ownTools, titleOf } from "../rooms/autopilot/features/toolset/toolset";
import { runScopes, toolName } from "../rooms/autopilot/features/toolset/tools";

const RISKY = [...DEFAULT_RISKY_GATEWAY_TOOLS];
const CATALOG = [
  { name: "read", description: "Read a file from the workspace" },
  { name: "exec", description: "Run a shell command" },
  { name: "web_search", description: "Search the web" },
  { name: "write", description: "Write a file" },
];

const gateway = (catalog: () => Promise<typeof CATALOG>): GatewayAccess => ({
  instanceId: "lab",
  instanceName: "Lab",
  sessionKey: "autopilot-t1",
  catalog,
  invoke: async () => ({ ok: true, text: "" }),
});

/** What a run with the scopes a trigger holding `held` gives it actually gets. */
const built = (held: readonly Scope[], access: GatewayAccess | null) =>
  runTools({
    sql: null as unknown as Sql,
    runId: "compare",
    scopes: runScopes(held),
    riskyGatewayTools: RISKY,
    call: async () => undefined,
    gateway: access,
  });

const TRIGGERS: Scope[][] = [[], ["read"], ["read", "write"], ["read", "write", "approve"], ["admin"]];

describe("agent.toolset against runTools", () => {
  it("offers exactly the room tools a run gets, for every trigger's scopes, and marks the ones a person approves", async () => {
    for (const held of TRIGGERS) {
      const described = await ownTools(runScopes(held), RISKY, held);
      const run = await built(held, null);
      const offered = described.filter((t) => t.approval !== "refused").map((t) => t.name);
      // tools_load is no method: it offers the run's own tools, which are listed.
      const tools = Object.keys(run.tools).filter((name) => name !== LOAD_TOOL);
      expect(offered.sort(), `trigger holding ${held.join(",") || "nothing"}`).toEqual(tools.sort());
      for (const tool of described.filter((t) => t.approval !== "refused")) {
        const gated = run.approval({ toolCall: { toolName: tool.name } }) === "user-approval";
        const method = (Object.keys(Methods) as MethodName[]).find((m) => toolName(m) === tool.name)!;
        const filesRequest = TOOL_POLICY[method].kind === "approval-method";
        expect(tool.approval, tool.name).toBe(gated || filesRequest ? "person" : "none");
      }
      // Every method is listed once, offered or with why not.
      expect(described.map((t) => t.name).sort()).toEqual((Object.keys(Methods) as MethodName[]).map(toolName).sort());
    }
  });

  it("says why a tool is not offered: a scope the requester lacks, or a method only people use", async () => {
    const viewer = await ownTools(runScopes(["read"]), RISKY, ["read"]);
    const rename = viewer.find((t) => t.name === "threads_rename")!;
    expect(rename).toMatchObject({ approval: "refused", why: "Needs write access, which you do not have here." });
    expect(viewer.find((t) => t.name === "threads_list")).toMatchObject({ approval: "none", source: "autopilot" });
    const member = await ownTools(runScopes(["read", "write", "approve"]), RISKY, ["read", "write", "approve"]);
    const resolve = member.find((t) => t.name === "approvals_resolve")!;
    expect(resolve.approval).toBe("refused");
    expect(resolve.why).toMatch(/^People only: deciding approvals needs the approve scope/);
    expect(member.find((t) => t.name === "threads_archive")).toMatchObject({
      approval: "person",
      title: "Archive a chat thread (it disappears from the thread list)",
    });
    expect(member.find((t) => t.name === "instances_restart")).toMatchObject({ approval: "person" });
    // A method only people use is named in words, not by its wire name (a new one needs its title).
    for (const tool of member.filter((t) => t.why.startsWith("People only")))
      expect(tool.title, tool.name).not.toMatch(/^[a-z]+\.[a-zA-Z]+$/);
  });

  it("gives an attached instance's gateway tool as a run gets it, each catalog tool with the run's approval", async () => {
    const here = { id: "lab", name: "Lab", threadId: "t1", where: "" };
    for (const held of TRIGGERS) {
      const access = gateway(async () => CATALOG);
      const described = await instanceTools(here, runScopes(held), RISKY, held, access, 500);
      const run = await built(held, access);
      const offered = described.tools.some((t) => t.name === GATEWAY_TOOL && t.approval !== "refused");
      expect(offered, `trigger holding ${held.join(",") || "nothing"}`).toBe(GATEWAY_TOOL in run.tools);
      if (!offered) {
        expect(described.instance.catalog).toBe("unused");
        continue;
      }
      expect(described.instance).toMatchObject({
        catalog: "ready",
        why: "4 tools, 2 of them waiting for a person's approval.",
      });
      for (const entry of CATALOG) {
        const tool = described.tools.find((t) => t.name === entry.name)!;
        const gated = run.approval({ toolCall: { toolName: GATEWAY_TOOL, input: { tool: entry.name } } });
        expect(tool).toMatchObject({ source: "instance", instanceId: "lab", title: entry.description });
        expect(tool.approval, entry.name).toBe(gated === "user-approval" ? "person" : "none");
      }
    }
  });

  it("says so when the gateway is not connected, or no link runs, instead of failing", async () => {
    const here = { id: "lab", name: "Lab", threadId: "t1", where: "" };
    const down = gateway(() => Promise.reject(new Error("OpenClaw instance lab is not connected right now")));
    const unread = await instanceTools(here, ["read", "write"], RISKY, ["read", "write"], down, 500);
    expect(unread.instance.catalog).toBe("unavailable");
    expect(unread.instance.why).toMatch(/not connected right now, so its tool list could not be read/);
    expect(unread.tools).toEqual([expect.objectContaining({ name: GATEWAY_TOOL, approval: "none" })]);
    // A run still gets the tool then (the gateway answers each call itself).
    expect(GATEWAY_TOOL in (await built(["read", "write"], down)).tools).toBe(true);
    const noLink = await instanceTools(here, ["read", "write"], RISKY, ["read", "write"], null, 500);
    expect(noLink.instance.catalog).toBe("unavailable");
    expect(noLink.tools).toEqual([expect.objectContaining({ name: GATEWAY_TOOL, approval: "refused" })]);
    const elsewhere = await instanceTools(
      { ...here, threadId: null, where: ", and none of this project's threads is" },
      ["read", "write"],
      RISKY,
      ["read", "write"],
      null,
      500,
    );
    expect(elsewhere.instance).toMatchObject({ catalog: "unused" });
    expect(elsewhere.instance.why).toBe(
      "The Autopilot uses an instance's tools only in a thread it is attached to, and none of this project's threads is.",
    );
  });

  it("lists at most its share of an instance's catalog and says how many are left out", async () => {
    const big = Array.from({ length: 40 }, (_, i) => ({ name: `tool_${i}`, description: "" }));
    const access = gateway(async () => big);
    const here = { id: "lab", name: "Lab", threadId: "t1", where: "" };
    const described = await instanceTools(here, ["read", "write"], RISKY, ["read", "write"], access, 11);
    expect(described.tools).toHaveLength(11);
    expect(described.instance.why).toBe("40 tools (30 more not listed), 0 of them waiting for a person's approval.");
  });

  it("titles tools in plain words: no input shapes, paging or approval the model is told of", async () => {
    const tools = await ownTools(["read", "write"], RISKY, ["read", "write"]);
    for (const tool of tools)
      expect(tool.title, tool.name).not.toMatch(/[{}]|e\.g\.|page back|answers with the approval/);
    expect(tools.find((t) => t.name === "instances_provision")?.title).toBe("Request a new OpenClaw instance");
    expect(titleOf("Do a thing (input {a: 1}), e.g. x. Needs a person's approval.")).toBe("Do a thing");
  });
});
