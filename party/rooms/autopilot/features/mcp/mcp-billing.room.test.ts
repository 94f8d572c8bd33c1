// Billing over MCP (docs/mcp.md, docs/billing.md), with the official client SDK against the
// Worker: a key with `read` has billing_summary and billing_entries, which answer exactly what
// the socket answers a person; no key, admin included, has billing_setBudget (budgets are for
// people: the tool policy says never); a key without `read` has neither tool and is refused on
// its socket too; and the Autopilot's own toolset offers billing_summary without asking anyone.
import { describe, expect, it } from "vitest";
import type { MethodResult } from "../../../../../shared/protocol/methods";
import { createKey, idem, ownWorkspace, RawSocket, signUp } from "../../../../test/harness";
import { connect } from "./test/client";

type Toolset = MethodResult<"agent.toolset">;

const BILLING_TOOLS = ["billing_summary", "billing_entries"];

describe("billing over MCP", () => {
  it("answers a read key the numbers the socket answers a person, and never offers setBudget", async () => {
    const { owner, sock: person } = await ownWorkspace();
    const { project } = await person.ok("projects.create", { name: "Launch", idempotencyKey: idem() });
    await person.ok("billing.setBudget", { scope: "workspace", limit: 5_000, idempotencyKey: idem() });
    await person.ok("billing.setBudget", {
      scope: "project",
      subjectId: project.id,
      limit: 700,
      idempotencyKey: idem(),
    });
    const reader = await createKey(owner, owner.workspaceId, ["read"]);
    const admin = await createKey(owner, owner.workspaceId, ["read", "write", "approve", "admin"], "admin-bot");

    const client = await connect(owner.workspaceId, reader.key);
    const tools = (await client.listTools()).tools;
    for (const name of BILLING_TOOLS)
      expect(tools.find((t) => t.name === name)?.annotations?.readOnlyHint, name).toBe(true);
    expect(tools.map((t) => t.name)).not.toContain("billing_setBudget");

    const summary = await client.callTool({ name: "billing_summary", arguments: { groupBy: "purpose" } });
    expect(summary.isError).toBeFalsy();
    const bySocket = await person.ok("billing.summary", { groupBy: "purpose" });
    expect(summary.structuredContent).toEqual(bySocket);
    expect(bySocket.state.budgets.map((b) => [b.scope, b.subjectId, b.limit])).toEqual([
      ["workspace", null, 5_000],
      ["project", project.id, 700],
    ]);
    const entries = await client.callTool({ name: "billing_entries", arguments: { limit: 10 } });
    expect(entries.structuredContent).toEqual(await person.ok("billing.entries", { limit: 10 }));
    expect((entries.structuredContent as MethodResult<"billing.entries">).entries.map((e) => e.kind)).toEqual(["plan"]);

    // An admin key holds the scope billing.setBudget needs, and still gets no tool for it.
    const adminClient = await connect(owner.workspaceId, admin.key);
    const adminTools = (await adminClient.listTools()).tools.map((t) => t.name);
    expect(adminTools).toEqual(expect.arrayContaining(BILLING_TOOLS));
    expect(adminTools).not.toContain("billing_setBudget");
    const refused = await adminClient
      .callTool({ name: "billing_setBudget", arguments: { scope: "workspace", limit: 1 } })
      .catch((error: unknown) => ({ isError: true, error }));
    expect(refused.isError).toBe(true);
    expect((await person.ok("billing.summary", {})).state.budgets[0]).toMatchObject({ limit: 5_000 });

    // The Autopilot's own model reads the summary without asking anyone; setBudget is for people.
    const toolset = await client.callTool({ name: "agent_toolset", arguments: {} });
    const offered = (toolset.structuredContent as Toolset).tools;
    expect(offered.find((t) => t.name === "billing_summary")).toMatchObject({ approval: "none" });
    expect(offered.find((t) => t.name === "billing_entries")).toMatchObject({ approval: "none" });
    expect(offered.find((t) => t.name === "billing_setBudget")).toEqual({
      name: "billing_setBudget",
      source: "autopilot",
      title: "Set or remove a budget",
      approval: "refused",
      why: "People only: budgets are for people to set; agents ask with spend approvals.",
    });

    await client.close();
    await adminClient.close();
    person.close();
  });

  it("gives a key without read no billing tool, and its socket a refusal", async () => {
    const owner = await signUp();
    const writer = await createKey(owner, owner.workspaceId, ["write"]);
    const client = await connect(owner.workspaceId, writer.key);
    const names = (await client.listTools()).tools.map((t) => t.name);
    for (const name of [...BILLING_TOOLS, "billing_setBudget"]) expect(names).not.toContain(name);
    for (const name of BILLING_TOOLS) {
      const refused = await client
        .callTool({ name, arguments: {} })
        .catch((error: unknown) => ({ isError: true, content: String(error) }));
      expect(refused.isError, name).toBe(true);
      expect(JSON.stringify(refused)).not.toContain("balance");
    }
    await client.close();

    const socket = await RawSocket.open(owner.workspaceId, { key: writer.key });
    await socket.hello();
    for (const [method, params] of [
      ["billing.summary", {}],
      ["billing.entries", {}],
      ["billing.setBudget", { scope: "workspace", limit: 1, idempotencyKey: idem() }],
    ] as const) {
      const res = await socket.call(method, params);
      expect(res.ok ? null : res.error.code, method).toBe("forbidden");
    }
    socket.close();
  });
});
