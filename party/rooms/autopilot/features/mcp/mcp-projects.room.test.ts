// Projects over MCP (docs/mcp.md), with the official client SDK against the Worker: a
// read+write key lists the project tools, updates a brief at once, and its projects_create
// waits for a person's approval and then runs once as the agent; projects_archive of a
// project that does not exist answers not_found and asks nobody; a read-only key gets only
// the read tools.
import { describe, expect, it, vi } from "vitest";
import type { Approval } from "../../../../../shared/protocol/approvals";
import type { Project } from "../../../../../shared/protocol/projects";
import { decisionOn, idem } from "../../../../test/harness";
import { connect, keyedWithPerson, toolNames, toolsOffered } from "./test/client";

describe("projects over MCP", () => {
  it("lists the project tools; an update runs at once, a create waits for a person, an unknown archive asks nobody", async () => {
    const { owner, key, person } = await keyedWithPerson(["read", "write"]);
    const { project } = await person.ok("projects.create", { name: "Ops", brief: "old", idempotencyKey: idem() });
    const client = await connect(owner.workspaceId, key);
    const names = await toolNames(client);
    expect(names).toEqual(
      expect.arrayContaining([
        "projects_list",
        "projects_get",
        "projects_update",
        "projects_create",
        "projects_archive",
      ]),
    );

    const updated = await client.callTool({
      name: "projects_update",
      arguments: { projectId: project.id, brief: "Keep the pager quiet.", ifUpdatedAt: project.updatedAt },
    });
    expect(updated.isError).toBeFalsy();
    expect((updated.structuredContent as { project: Project }).project.brief).toBe("Keep the pager quiet.");

    const missing = await client.callTool({ name: "projects_archive", arguments: { projectId: "prj_nope" } });
    expect(missing.isError).toBe(true);
    expect(JSON.stringify(missing.content)).toContain("not_found");
    expect((await person.ok("approvals.list", { status: "pending" })).approvals).toEqual([]);

    const created = client.callTool(
      { name: "projects_create", arguments: { name: "Made by an agent", brief: "A brief." } },
      { timeout: 30_000 },
    );
    const approval = await vi.waitFor(async () => {
      const [pending] = (await person.ok("approvals.list", { status: "pending" })).approvals as Approval[];
      expect(pending).toBeDefined();
      return pending!;
    });
    expect(approval.title).toContain("projects_create");
    // Nothing made while it waits.
    expect((await person.ok("projects.list", {})).projects.map((p) => p.name)).toEqual(["Ops"]);
    await person.ok("approvals.resolve", decisionOn(approval.id, "approve"));
    const result = await created;
    expect(result.isError).toBeFalsy();
    expect((result.structuredContent as { project: Project }).project).toMatchObject({
      name: "Made by an agent",
      createdBy: { kind: "agent" },
    });
    person.close();
    await client.close();
  });

  it("a read-only key lists only the project tools that read", async () => {
    expect(await toolsOffered(["read"], "projects_")).toEqual(["projects_get", "projects_list"]);
  });
});
