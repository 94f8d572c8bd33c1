// The bridge's live events against a scripted gateway: chat runs stream as deltas and
// land once; a dropped link interrupts them; command output lands as a tool message;
// requests and decisions announced by the gateway reach the approval queue.
import { describe, expect, it, vi } from "vitest";
import { approvalForRequest, listSessions } from "../instance-store/gateway";
import { listMessages } from "../threads/threads";
import { inRoom, liveBridge, liveBridgeWithThread, ok, until } from "../../../../test/bridge-peer";
import { untilReal } from "../../../../test/harness";

describe("bridge live events", () => {
  it("streams a run as deltas by offset and lands its reply once", async () => {
    await inRoom(async (sql) => {
      const { thread, gw, broadcasts, runs } = await liveBridgeWithThread(sql);
      // Run R1's reply in the main session, as the gateway streams it: its state and text so far.
      const say = (state: string, content: string) =>
        gw.event("chat", {
          runId: "R1",
          sessionKey: "agent:main:main",
          state,
          message: { role: "assistant", content },
        });
      say("delta", "Hel");
      say("delta", "Hello");
      say("delta", "Bye");
      await until(() => broadcasts.length >= 4);
      expect(runs.streams).toMatchObject([{ runId: "R1", threadId: thread.id, text: "Bye" }]);
      say("final", "Bye now");
      say("final", "Bye now");
      gw.event("chat", { runId: "R9", sessionKey: "unbound", state: "final", message: { content: "elsewhere" } });
      // The link hands the gateway's events to the bridge one by one, in order, and each is
      // handled in full on arrival: once this later one has landed, R9 has been handled.
      gw.event("exec.approval.requested", { id: "after-r9", request: { command: "true" } });
      await until(() => approvalForRequest(sql, "inst", "after-r9") !== null);
      expect(broadcasts.map((b) => b.payload)).toEqual([
        { threadId: thread.id, instanceId: "inst", runId: "R1", offset: 0, text: "" },
        { threadId: thread.id, instanceId: "inst", runId: "R1", offset: 0, text: "Hel" },
        { threadId: thread.id, instanceId: "inst", runId: "R1", offset: 3, text: "lo" },
        // Not a continuation: the whole text again from offset 0.
        { threadId: thread.id, instanceId: "inst", runId: "R1", offset: 0, text: "Bye" },
        { threadId: thread.id, runId: "R1", messageId: expect.any(String), aborted: false },
        { threadId: thread.id, runId: "R1", messageId: null, aborted: false },
      ]);
      const messages = listMessages(sql, { threadId: thread.id, limit: 10 }).messages;
      expect(messages.map((m) => [m.author.id, m.text, m.runId])).toEqual([["instance:inst", "Bye now", "R1"]]);
      expect(runs.streams).toEqual([]);
    });
  });

  it("tells clients once per burst that the gateway's devices or nodes changed (presence, pairing decided)", async () => {
    await inRoom(async (sql) => {
      const { gw, broadcasts } = await liveBridge(sql);
      const devices = () => broadcasts.filter((b) => b.event === "instance.devices");
      gw.event("presence", { presence: [{ deviceId: "n1", roles: ["node"] }] });
      gw.event("node.pair.resolved", { requestId: "np-9", decision: "approved" });
      gw.event("presence", { presence: [] });
      await until(() => devices().length > 0);
      // Then another burst, after the first was told.
      gw.event("device.pair.changed", {});
      await until(() => devices().length > 1);
      expect(devices()).toEqual([
        { event: "instance.devices", payload: { instanceId: "inst" } },
        { event: "instance.devices", payload: { instanceId: "inst" } },
      ]);
    });
  });

  it("interrupts live runs when the link drops, and shows a command with its output", async () => {
    await inRoom(async (sql) => {
      const { thread, gw, broadcasts, runs } = await liveBridgeWithThread(sql);
      // What run R2 does in the main session, stream by stream.
      const runR2 = (stream: string, data: Record<string, unknown>) =>
        gw.event("agent", { runId: "R2", sessionKey: "main", stream, data });
      runR2("tool", { phase: "start", toolCallId: "call_1", args: { command: "ls" } });
      runR2("command_output", { phase: "end", itemId: "command:call_1", output: "a.txt", exitCode: 2 });
      runR2("command_output", { phase: "end", itemId: "command:call_1", output: "a.txt", exitCode: 2 });
      gw.event("chat", { runId: "R2", sessionKey: "main", state: "status" });
      await until(() => runs.streams.length === 1);
      runs.interrupt();
      const texts = listMessages(sql, { threadId: thread.id, limit: 10 }).messages.map((m) => [
        m.kind ?? "text",
        m.text,
      ]);
      expect(texts).toEqual([
        ["tool", "$ ls\na.txt\n(exit 2)"],
        ["error", expect.stringMatching(/lost mid-reply/)],
      ]);
      expect(broadcasts.at(-1)).toMatchObject({ event: "chat.error", payload: { runId: "R2", threadId: thread.id } });
    });
  });

  it("turns announced requests into approvals and follows the gateway's decisions; re-reads sessions once per burst", async () => {
    await inRoom(async (sql) => {
      const { gw, link } = await liveBridge(sql);
      gw.on("sessions.list", () => ok({ sessions: [{ key: "s1", label: "One" }] }));
      gw.event("exec.approval.requested", { id: "ex-1", request: { command: "make" } });
      gw.event("node.pair.requested", {
        requestId: "np-1",
        nodeId: "node-1",
        displayName: "Pi",
        commands: ["system.run", "system.which"],
        remoteIp: "192.0.2.1",
      });
      gw.event("exec.approval.requested", { id: "ex-2", request: { command: "make test" } });
      gw.event("exec.approval.requested", { id: "ex-3", request: { command: "make clean" } });
      gw.event("exec.approval.requested", { broken: true });
      await until(() => approvalForRequest(sql, "inst", "np-1") !== null);
      expect(approvalForRequest(sql, "inst", "np-1")).toMatchObject({
        title: 'Pair node "Pi" with Work',
        status: "pending",
      });
      // What approving the node's surface lets the gateway run there is in front of the person.
      expect(approvalForRequest(sql, "inst", "np-1")!.details).toContain(
        "Commands it may then run for the gateway: system.run, system.which",
      );
      expect(approvalForRequest(sql, "inst", "np-1")!.details).toContain("through the device entry");
      gw.event("exec.approval.resolved", { id: "ex-1", decision: "allow-always" });
      // A person denying through a client of the gateway, and OpenClaw closing one itself (a
      // run that ended, a stop): it names no decider, and nobody decided.
      gw.event("exec.approval.resolved", { id: "ex-2", decision: "deny", resolvedBy: "Ops laptop" });
      gw.event("exec.approval.resolved", { id: "ex-3", decision: "deny", resolvedBy: null });
      gw.event("node.pair.resolved", { requestId: "np-1", decision: "rejected" });
      await until(() => approvalForRequest(sql, "inst", "np-1")!.status !== "pending");
      expect(approvalForRequest(sql, "inst", "ex-1")).toMatchObject({
        status: "approved",
        note: "decided in OpenClaw",
      });
      expect(approvalForRequest(sql, "inst", "ex-2")).toMatchObject({ status: "denied", note: "decided in OpenClaw" });
      expect(approvalForRequest(sql, "inst", "ex-3")).toMatchObject({
        status: "expired",
        note: expect.stringMatching(/^OpenClaw closed it before anyone decided/),
      });
      expect(approvalForRequest(sql, "inst", "np-1")!.status).toBe("denied");
      // The re-read waits on a timer: on a fake clock, every re-read the burst asked for is
      // a pending timer once the burst has been handled, and running them all sends them all.
      vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
      try {
        for (let i = 0; i < 5; i++) gw.event("sessions.changed", {});
        // Handled in order on arrival: once this one has landed, so has the burst.
        gw.event("exec.approval.requested", { id: "after-burst", request: { command: "true" } });
        await untilReal(() => expect(approvalForRequest(sql, "inst", "after-burst")).not.toBeNull());
        vi.runOnlyPendingTimers();
        await untilReal(() => expect(listSessions(sql, "inst").sessions).toHaveLength(1));
        // Requests reach the gateway in the order they were sent: once this one is answered,
        // the gateway has seen every re-read.
        gw.on("test.after-rereads", () => ok({}));
        await link.connection!.request("test.after-rereads");
      } finally {
        vi.useRealTimers();
      }
      expect(gw.requests("sessions.list")).toHaveLength(1);
    });
  });
});
