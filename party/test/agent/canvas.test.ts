import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { domainNodeId, edgeId, type GraphNode, readGraph } from "../../../shared/hatchery/graph";
import { TOOL_NODES_PER_THREAD } from "../../../shared/hatchery/tool-nodes";
import type { Approval } from "../../../shared/protocol/approvals";
import type { EventFrame } from "../../../shared/protocol/frames";
import { node as canvasNode, openCanvas, until } from "../hatchery-harness";
import { idem } from "../harness";
import type { Autopilot } from "../../rooms/autopilot/room";
import { agentRoom, autopilotSays, say } from "./agent-harness";

const toolNodes = (doc: Parameters<typeof readGraph>[0], threadId: string): GraphNode[] => readGraph(doc).nodes.filter((n) => n.kind === "tool" && n.data.threadId === threadId);

describe("the Autopilot's tool calls on the canvas", () => {
  it("each call is a tool node under its thread: a gated one waits for approval, then settles with its outcome", async () => {
    const { owner, sock, thread } = await agentRoom();
    const canvas = await openCanvas(owner.workspaceId, { cookie: owner.cookie });
    await until(() => canvas.synced, "canvas synced");
    const threadNode = domainNodeId("thread", thread.id);
    await until(() => canvasNode(canvas, threadNode) !== null, "thread node");

    await say(sock, thread.id, `STEPS: threads_rename {"threadId":"${thread.id}","title":"Renamed by a tool"}`);
    await autopilotSays(sock, thread.id, (m) => m.text.startsWith("TOOL RESULT SEEN"));
    await until(() => toolNodes(canvas.doc, thread.id).some((n) => n.data.status === "ok"), "tool node ok");
    const [renamed] = toolNodes(canvas.doc, thread.id);
    expect(renamed!.data).toMatchObject({ name: "threads_rename", status: "ok" });
    expect(renamed!.data.durationMs).toBeTypeOf("number");
    const anchor = canvasNode(canvas, threadNode)!;
    expect(renamed!.y).toBeGreaterThanOrEqual(anchor.y + anchor.h);
    expect(readGraph(canvas.doc).edges.find((e) => e.id === edgeId(renamed!.id, threadNode))).toMatchObject({ kind: "domain", label: "tool of" });

    const { thread: target } = await sock.ok("threads.create", { title: "Old plans", idempotencyKey: idem() });
    await say(sock, thread.id, `STEPS: threads_archive {"threadId":"${target.id}"}`);
    const frame = await sock.waitFor<EventFrame>((f) => f.type === "event" && f.event === "approval.requested", 20_000);
    const approval = (frame.payload as { approval: Approval }).approval;
    const archiving = () => toolNodes(canvas.doc, thread.id).find((n) => n.data.name === "threads_archive");
    await until(() => archiving()?.data.status === "awaiting_approval", "gated call waits on the canvas");
    await sock.ok("approvals.resolve", { approvalId: approval.id, decision: "approve", confirmOwn: true, idempotencyKey: idem() });
    await until(() => archiving()?.data.status === "ok", "approved call settles on the canvas", 20_000);
    expect(toolNodes(canvas.doc, thread.id)).toHaveLength(2);
    sock.close();
    canvas.close();
  });

  it(`a chatty thread keeps only its newest ${TOOL_NODES_PER_THREAD} calls on the canvas, live and in a fresh snapshot`, async () => {
    const { owner, sock, thread } = await agentRoom();
    const canvas = await openCanvas(owner.workspaceId, { cookie: owner.cookie });
    await until(() => canvas.synced, "canvas synced");
    const calls = Array.from({ length: TOOL_NODES_PER_THREAD + 2 }, (_, i) => `memory_put {"key":"chatty-${i}","value":"v${i}"}`);
    await say(sock, thread.id, `STEPS: ${calls.join(" ; ")}`);
    await autopilotSays(sock, thread.id, (m) => m.text.startsWith("TOOL RESULT SEEN"), 30_000);
    // A Hatchery that starts over (new epoch, log gone) gets the bounded set in its snapshot.
    const rooms = (env as unknown as { Autopilot: DurableObjectNamespace<Autopilot> }).Autopilot;
    const feed = await runInDurableObject(rooms.get(rooms.idFromName(owner.workspaceId)), (room: Autopilot) => room.graphFeed(0, null));
    const snapshotCalls = feed.snapshot!.toolMessages.filter((m) => m.threadId === thread.id);
    expect(snapshotCalls).toHaveLength(TOOL_NODES_PER_THREAD);
    const newest = snapshotCalls.map((m) => m.tool!.callId).sort();
    const onCanvas = () =>
      toolNodes(canvas.doc, thread.id)
        .map((n) => n.ref!.split("/")[1])
        .sort();
    // The live canvas ends on exactly that set, every call settled. The newest call is in it,
    // so the Hatchery has pulled every tool event there is: nothing is left to add a node.
    await until(() => JSON.stringify(onCanvas()) === JSON.stringify(newest) && toolNodes(canvas.doc, thread.id).every((n) => n.data.status === "ok"), "trimmed to the newest");
    expect(toolNodes(canvas.doc, thread.id)).toHaveLength(TOOL_NODES_PER_THREAD);
    expect(onCanvas()).toEqual(newest);
    sock.close();
    canvas.close();
  });
});
