// Schedules over MCP (docs/mcp.md), with the official client SDK against the Worker: a
// read+write key lists the schedule tools and lists schedules at once; its schedules_create
// waits for a person's approval and then makes the schedule once, owned by the agent; a
// read-only key gets only the tool that reads.
import { describe, expect, it, vi } from "vitest";
import type { Approval } from "../../../../../shared/protocol/approvals";
import type { Schedule } from "../../../../../shared/protocol/schedules";
import { decisionOn } from "../../../../test/harness";
import { keyedWithThread, toolNames, toolsOffered } from "./test/client";

describe("schedules over MCP", () => {
  it("lists the schedule tools; a list runs at once, a create waits for a person", async () => {
    const { person, thread, client } = await keyedWithThread(["read", "write"], "standup");
    expect(await toolNames(client, "schedules_")).toEqual([
      "schedules_create",
      "schedules_delete",
      "schedules_hook",
      "schedules_list",
      "schedules_pause",
      "schedules_resume",
      "schedules_run",
      "schedules_runs",
      "schedules_update",
    ]);
    const listed = await client.callTool({ name: "schedules_list", arguments: {} });
    expect(listed.isError).toBeFalsy();
    expect(listed.structuredContent).toEqual({ schedules: [] });

    const arguments_ = {
      when: { kind: "every", everyMs: 60 * 60_000 },
      action: { kind: "prompt", threadId: thread.id, text: "What is blocking you?" },
    };
    const created = client.callTool({ name: "schedules_create", arguments: arguments_ }, { timeout: 30_000 });
    const approval = await vi.waitFor(async () => {
      const [pending] = (await person.ok("approvals.list", { status: "pending" })).approvals as Approval[];
      expect(pending).toBeDefined();
      return pending!;
    });
    expect(approval.title).toContain("schedules_create");
    // Nothing made while it waits.
    expect((await person.ok("schedules.list", {})).schedules).toEqual([]);
    await person.ok("approvals.resolve", decisionOn(approval.id, "approve"));
    const result = await created;
    expect(result.isError).toBeFalsy();
    const { schedule } = result.structuredContent as { schedule: Schedule };
    expect(schedule).toMatchObject({ status: "active", action: arguments_.action, createdBy: { kind: "agent" } });
    expect((await person.ok("schedules.list", {})).schedules.map((s) => s.id)).toEqual([schedule.id]);
    person.close();
    await client.close();
  });

  it("a read-only key lists only the schedule tool that reads", async () => {
    expect(await toolsOffered(["read"], "schedules_")).toEqual(["schedules_list", "schedules_runs"]);
  });
});
