import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { applyDomainOps, type DomainOp, opsForEvent, opsForSnapshot } from "../hatchery/domain";
import { domainNodeId, edgeId, NODE_SIZE, readGraph, writeNode } from "../hatchery/graph";
import { TOOL_NODES_PER_THREAD, toolNodeRef, toolNodesToTrim } from "../hatchery/tool-nodes";
import type { Approval } from "../protocol/approvals";
import type { DurableEvent } from "../protocol/events";
import type { Message } from "../protocol/threads";

const autopilot = { id: "autopilot", kind: "agent" as const, name: "Autopilot" };

function toolMessage(threadId: string, runId: string, callId: string, at: number, status: "ok" | "error" | "denied" | "expired" = "ok"): Message {
  return {
    id: `m-${runId}-${callId}`,
    n: at,
    threadId,
    author: autopilot,
    text: `threads_rename → ${status}`,
    createdAt: at,
    kind: "tool",
    tool: { callId, name: "threads_rename", arguments: "{}", result: "{}", status, durationMs: 42, approvalId: null, runId },
  } as Message;
}

function toolApproval(threadId: string, status: Approval["status"]): Approval {
  return {
    id: "a1",
    title: "Autopilot wants to run threads_archive",
    details: "{}",
    risk: "medium",
    status,
    threadId,
    requestedBy: autopilot,
    onBehalfOf: null,
    selfConfirmed: false,
    requestedAt: 1000,
    expiresAt: null,
    resolvedBy: null,
    resolvedAt: status === "pending" ? null : 2000,
    note: null,
    action: { kind: "tool", runId: "run1", toolCallId: "call_0", tool: "threads_archive", arguments: "{}" },
  };
}

const messageEvent = (message: Message) => ({ event: "message.created", payload: { message } }) as unknown as DurableEvent;
const approvalEvent = (approval: Approval) => ({ event: approval.status === "pending" ? "approval.requested" : "approval.resolved", payload: { approval } }) as unknown as DurableEvent;

function canvasWithThread(threadId: string) {
  const doc = new Y.Doc();
  doc.transact(() => writeNode(doc, { id: domainNodeId("thread", threadId), kind: "thread", ref: threadId, x: 0, y: 0, ...NODE_SIZE.thread, placed: "auto", parent: null, data: { title: "T" } }));
  return doc;
}

describe("the Autopilot's tool calls on the canvas", () => {
  it("a tool message becomes a tool node under its thread, linked to it, with name, status and duration", () => {
    const doc = canvasWithThread("t1");
    const ops = opsForEvent(messageEvent(toolMessage("t1", "run1", "call_0", 5000)));
    doc.transact(() => applyDomainOps(doc, ops));
    const { nodes, edges } = readGraph(doc);
    const id = domainNodeId("tool", toolNodeRef("run1", "call_0"));
    const tool = nodes.find((n) => n.id === id)!;
    expect(tool).toMatchObject({ kind: "tool", data: { name: "threads_rename", status: "ok", durationMs: 42, threadId: "t1", at: 5000, n: 5000 } });
    // Under the thread: same column, below its bottom edge.
    expect(tool.x).toBe(0);
    expect(tool.y).toBeGreaterThanOrEqual(NODE_SIZE.thread.h);
    expect(edges.find((e) => e.id === edgeId(id, "thread:t1"))).toMatchObject({ kind: "domain", label: "tool of" });
    // The thread's preview still follows the message.
    expect(nodes.find((n) => n.id === "thread:t1")!.data.lastMessage).toMatchObject({ text: "threads_rename → ok" });
  });

  it("plain messages and other approvals make no tool node", () => {
    const plain = { ...toolMessage("t1", "r", "c", 1), kind: "text", tool: undefined } as Message;
    expect(opsForEvent(messageEvent(plain)).some((op) => op.op !== "patch")).toBe(false);
    const instance = { ...toolApproval("t1", "pending"), action: { kind: "instance", operation: "restart", instanceId: "i1" } } as unknown as Approval;
    expect(opsForEvent(approvalEvent(instance)).some((op) => op.op === "upsert" && op.kind === "tool")).toBe(false);
  });

  it("a gated call waits for approval, runs once approved, and settles with its message", () => {
    const doc = canvasWithThread("t1");
    const id = domainNodeId("tool", toolNodeRef("run1", "call_0"));
    const status = () => readGraph(doc).nodes.find((n) => n.id === id)?.data.status;
    doc.transact(() => applyDomainOps(doc, opsForEvent(approvalEvent(toolApproval("t1", "pending")))));
    expect(status()).toBe("awaiting_approval");
    doc.transact(() => applyDomainOps(doc, opsForEvent(approvalEvent(toolApproval("t1", "approved")))));
    expect(status()).toBe("running");
    doc.transact(() =>
      applyDomainOps(doc, opsForEvent(messageEvent({ ...toolMessage("t1", "run1", "call_0", 3000), tool: { ...toolMessage("t1", "run1", "call_0", 3000).tool!, name: "threads_archive" } }))),
    );
    expect(status()).toBe("ok");
    expect(readGraph(doc).nodes.filter((n) => n.kind === "tool")).toHaveLength(1);
  });

  it("keeps only the newest calls of a thread, dropping the others with their edges; other threads keep theirs", () => {
    const doc = canvasWithThread("t1");
    doc.transact(() => writeNode(doc, { id: "thread:t2", kind: "thread", ref: "t2", x: 800, y: 0, ...NODE_SIZE.thread, placed: "auto", parent: null, data: {} }));
    doc.transact(() => applyDomainOps(doc, opsForEvent(messageEvent(toolMessage("t2", "other", "call_0", 1)))));
    const removed: string[] = [];
    for (let i = 0; i < TOOL_NODES_PER_THREAD + 3; i++) {
      doc.transact(() => removed.push(...applyDomainOps(doc, opsForEvent(messageEvent(toolMessage("t1", `run${i}`, "call_0", 100 + i))))));
    }
    const { nodes, edges } = readGraph(doc);
    const kept = nodes.filter((n) => n.kind === "tool" && n.data.threadId === "t1");
    expect(kept).toHaveLength(TOOL_NODES_PER_THREAD);
    expect(kept.map((n) => n.data.at).sort()).toEqual(Array.from({ length: TOOL_NODES_PER_THREAD }, (_, i) => 100 + 3 + i));
    expect(removed).toEqual([0, 1, 2].map((i) => domainNodeId("tool", toolNodeRef(`run${i}`, "call_0"))));
    for (const id of removed) expect(edges.some((e) => e.source === id || e.target === id)).toBe(false);
    expect(nodes.filter((n) => n.kind === "tool" && n.data.threadId === "t2")).toHaveLength(1);
  });

  it("trimming treats a malformed time as oldest and only looks at the threads asked for", () => {
    const nodes = [
      { id: "tool:a", kind: "tool", data: { threadId: "t1", at: "yesterday" } },
      { id: "tool:b", kind: "tool", data: { threadId: "t1", at: 5 } },
      { id: "tool:c", kind: "tool", data: { threadId: "t2", at: 1 } },
      { id: "note:x", kind: "note", data: { threadId: "t1", at: 0 } },
    ];
    expect(toolNodesToTrim(nodes, new Map([["t1", 1]]))).toEqual(["tool:a"]);
    // Calls made in the same millisecond: the later message is the newer.
    const tied = [
      { id: "tool:z", kind: "tool", data: { threadId: "t1", at: 7, n: 10 } },
      { id: "tool:y", kind: "tool", data: { threadId: "t1", at: 7, n: 11 } },
    ];
    expect(toolNodesToTrim(tied, new Map([["t1", 1]]))).toEqual(["tool:z"]);
  });

  it("a snapshot shows pending gated calls and the recent tool messages, bounded per thread", () => {
    const messages = Array.from({ length: TOOL_NODES_PER_THREAD + 2 }, (_, i) => toolMessage("t1", `done${i}`, "call_0", 100 + i));
    const ops: DomainOp[] = opsForSnapshot({ threads: [], approvals: [toolApproval("t1", "pending"), toolApproval("t1", "approved")], jobs: [], toolMessages: messages });
    const doc = canvasWithThread("t1");
    doc.transact(() => applyDomainOps(doc, ops));
    const tools = readGraph(doc).nodes.filter((n) => n.kind === "tool");
    expect(tools).toHaveLength(TOOL_NODES_PER_THREAD);
    // The pending call (requested at 1000) is the newest; the two oldest messages went.
    expect(tools.find((n) => n.data.status === "awaiting_approval")).toBeDefined();
  });
});
