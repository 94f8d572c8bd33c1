import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { toolLabel } from "../../../../../../shared/plain-words";
import { type Activity, type ActivityEntry, TOOL_CALLS_PER_THREAD } from "../../../../../../shared/hatchery/activity";
import { domainNodeId, readGraph } from "../../../../../../shared/hatchery/graph";
import type { Approval } from "../../../../../../shared/protocol/approvals";
import type { EventFrame } from "../../../../../../shared/protocol/frames";
import { type Canvas, node as canvasNode, openCanvas, until } from "../../../../../test/hatchery-harness";
import { idem } from "../../../../../test/harness";
import type { Autopilot } from "../../../room";
import { agentRoom, autopilotSays, say } from "./test/harness";

const activity = (canvas: Canvas, threadId: string): Activity | undefined =>
  canvasNode(canvas, domainNodeId("thread", threadId))?.data.activity as Activity | undefined;
const toolEntries = (canvas: Canvas, threadId: string): ActivityEntry[] =>
  activity(canvas, threadId)?.entries.filter((e) => e.kind === "tool") ?? [];
const noActivityNodes = (canvas: Canvas) =>
  expect(
    readGraph(canvas.doc).nodes.filter((n) => !["thread", "instance", "session", "note", "group"].includes(n.kind)),
  ).toEqual([]);

describe("the Autopilot's tool calls on the canvas", () => {
  it("each call folds into its thread's activity: a gated one waits as an approval, then settles with its outcome", async () => {
    const { owner, sock, thread } = await agentRoom();
    const canvas = await openCanvas(owner.workspaceId, { cookie: owner.cookie });
    await until(() => canvas.synced, "canvas synced");
    const threadNode = domainNodeId("thread", thread.id);
    await until(() => canvasNode(canvas, threadNode) !== null, "thread node");

    await say(sock, thread.id, `STEPS: threads_rename {"threadId":"${thread.id}","title":"Renamed by a tool"}`);
    await autopilotSays(sock, thread.id, (m) => m.text.startsWith("TOOL RESULT SEEN"));
    await until(() => toolEntries(canvas, thread.id).some((e) => e.status === "ok"), "tool call ok in the activity");
    const [renamed] = toolEntries(canvas, thread.id);
    expect(renamed).toMatchObject({
      title: toolLabel("threads_rename"),
      status: "ok",
      detail: expect.stringMatching(/\d+(\.\d)? m?s$/),
    });
    noActivityNodes(canvas);

    const { thread: target } = await sock.ok("threads.create", { title: "Old plans", idempotencyKey: idem() });
    await say(sock, thread.id, `STEPS: threads_archive {"threadId":"${target.id}"}`);
    const frame = await sock.waitFor<EventFrame>((f) => f.type === "event" && f.event === "approval.requested", 20_000);
    const approval = (frame.payload as { approval: Approval }).approval;
    const asked = () => activity(canvas, thread.id)?.entries.find((e) => e.ref === `approval:${approval.id}`);
    await until(
      () => asked()?.status === "pending" && activity(canvas, thread.id)?.attention.approvals === 1,
      "gated call waits in the activity",
    );
    await sock.ok("approvals.resolve", {
      approvalId: approval.id,
      decision: "approve",
      confirmOwn: true,
      idempotencyKey: idem(),
    });
    const archived = () => toolEntries(canvas, thread.id).find((e) => e.title === toolLabel("threads_archive"));
    await until(
      () => archived()?.status === "ok" && asked()?.status === "approved",
      "approved call settles in the activity",
      20_000,
    );
    expect(activity(canvas, thread.id)).toMatchObject({
      counts: { tool: 2, approval: 1, job: 0 },
      attention: { approvals: 0 },
    });
    noActivityNodes(canvas);
    sock.close();
    canvas.close();
  });

  it(`a chatty thread's calls all fold into its activity; a fresh snapshot carries its newest ${TOOL_CALLS_PER_THREAD}`, async () => {
    const { owner, sock, thread } = await agentRoom();
    const canvas = await openCanvas(owner.workspaceId, { cookie: owner.cookie });
    await until(() => canvas.synced, "canvas synced");
    const calls = Array.from(
      { length: TOOL_CALLS_PER_THREAD + 2 },
      (_, i) => `memory_put {"key":"chatty-${i}","value":"v${i}"}`,
    );
    await say(sock, thread.id, `STEPS: ${calls.join(" ; ")}`);
    await autopilotSays(sock, thread.id, (m) => m.text.startsWith("TOOL RESULT SEEN"), 30_000);
    // A Hatchery that starts over (new epoch, log gone) gets the bounded set in its snapshot.
    const rooms = (env as unknown as { Autopilot: DurableObjectNamespace<Autopilot> }).Autopilot;
    const feed = await runInDurableObject(rooms.get(rooms.idFromName(owner.workspaceId)), (room: Autopilot) =>
      room.call("graphFeed", 0, null),
    );
    const snapshotCalls = feed.snapshot!.toolMessages.filter((m) => m.threadId === thread.id);
    expect(snapshotCalls).toHaveLength(TOOL_CALLS_PER_THREAD);
    // And the thread's newest message, the preview the live canvas shows from the events.
    const newest = feed.snapshot!.lastMessages.filter((m) => m.threadId === thread.id);
    expect(newest).toHaveLength(1);
    expect(newest[0]!.text.startsWith("TOOL RESULT SEEN")).toBe(true);
    await until(
      () =>
        (canvasNode(canvas, domainNodeId("thread", thread.id))?.data.lastMessage as { text?: string } | undefined)
          ?.text === newest[0]!.text,
      "the live canvas shows the same preview",
    );
    // The live canvas folds every call, each settled, newest first, counted once.
    await until(
      () =>
        toolEntries(canvas, thread.id).length === calls.length &&
        toolEntries(canvas, thread.id).every((e) => e.status === "ok"),
      "every call in the activity",
    );
    const entries = toolEntries(canvas, thread.id);
    expect(new Set(entries.map((e) => e.ref)).size).toBe(calls.length);
    expect(entries.map((e) => e.at)).toEqual([...entries.map((e) => e.at)].sort((a, b) => b - a));
    expect(activity(canvas, thread.id)).toMatchObject({ counts: { tool: calls.length }, more: false });
    for (const m of snapshotCalls)
      expect(entries.map((e) => e.ref)).toContain(`tool:${m.tool!.runId}/${m.tool!.callId}`);
    noActivityNodes(canvas);
    sock.close();
    canvas.close();
  });
});
