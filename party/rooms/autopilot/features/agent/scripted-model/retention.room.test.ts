import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { RUN_RETENTION_MS } from "../agent-runs";
import { USAGE_RETENTION_MS } from "../../model/usage";
import type { Autopilot } from "../../../room";
import { idem } from "../../../../../test/harness";
import { agentRoom, autopilotSays, say } from "./test/harness";

const roomStub = (workspaceId: string) => {
  const rooms = (env as unknown as { Autopilot: DurableObjectNamespace<Autopilot> }).Autopilot;
  return rooms.get(rooms.idFromName(workspaceId));
};

const count = (state: DurableObjectState, table: string) =>
  Number(state.storage.sql.exec(`select count(*) as n from ${table}`).one().n);

describe("the Autopilot's records age out on a schedule", () => {
  it("an hourly schedule prunes finished runs, their tool calls and old usage; a paused run stays", async () => {
    const { owner, sock, thread } = await agentRoom();
    await say(sock, thread.id, 'STEPS: memory_put {"key":"retention","value":"old"}');
    await autopilotSays(sock, thread.id, (m) => m.text.startsWith("TOOL RESULT SEEN"));
    const { thread: target } = await sock.ok("threads.create", { title: "Waits", idempotencyKey: idem() });
    const { thread: other } = await sock.ok("threads.create", { title: "Paused here", idempotencyKey: idem() });
    await say(sock, other.id, `STEPS: threads_archive {"threadId":"${target.id}"}`);
    await sock.waitFor((f) => f.type === "event" && f.event === "approval.requested", 20_000);

    const stub = roomStub(owner.workspaceId);
    const schedules = await runInDurableObject(stub, (room: Autopilot) => room.scheduler.list());
    expect(schedules.filter((s) => s.callback === "sweepRetention")).toHaveLength(1);
    expect(schedules.find((s) => s.callback === "sweepRetention")).toMatchObject({
      type: "interval",
      intervalSeconds: 3600,
    });

    const before = await runInDurableObject(stub, (_room: Autopilot, state) => ({
      runs: count(state, "agent_runs"),
      calls: count(state, "agent_tool_calls"),
      usage: count(state, "usage"),
    }));
    expect(before.runs).toBe(2);
    expect(before.calls).toBeGreaterThan(0);
    expect(before.usage).toBeGreaterThan(0);

    // Time passes: everything is older than its retention (no real waiting: the rows are aged).
    await runInDurableObject(stub, async (room: Autopilot, state) => {
      const now = Date.now();
      state.storage.sql.exec(`update agent_runs set updated_at = ?`, now - RUN_RETENTION_MS - 1000);
      state.storage.sql.exec(`update usage set at = ?`, now - USAGE_RETENTION_MS - 1000);
      // Due now: the alarm runs it through the room's scheduler like the hourly one.
      await room.scheduler.set(new Date(), "sweepRetention");
    });
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    const after = await runInDurableObject(stub, async (_room: Autopilot, state) => {
      return {
        statuses: [...state.storage.sql.exec(`select status from agent_runs`)].map((r) => r.status),
        calls: count(state, "agent_tool_calls"),
        usage: count(state, "usage"),
      };
    });
    expect(after).toEqual({ statuses: ["awaiting_approval"], calls: 0, usage: 0 });
    sock.close();
  });
});
