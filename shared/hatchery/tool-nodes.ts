import type { Approval } from "../protocol/approvals";
import type { Message } from "../protocol/threads";
import { domainNodeId } from "./graph";

/**
 * The Autopilot's tool calls on the canvas: one `tool` node per call, under the thread it
 * was made in. A call shows up when it waits for a person (its approval), runs once that
 * approval is granted, and settles with its `tool` message. Only the newest
 * TOOL_NODES_PER_THREAD calls of a thread stay on the canvas (a `trim` op after each
 * upsert), so a chatty thread cannot flood it; the thread itself keeps every call.
 */
export const TOOL_NODES_PER_THREAD = 5;

export type ToolNodeStatus = "awaiting_approval" | "running" | "ok" | "error" | "denied" | "expired";

/** What a tool node's `data` holds (all of it server-written). */
export type ToolNodeData = {
  name: string;
  status: ToolNodeStatus;
  durationMs: number | null;
  threadId: string;
  /** When the call last changed: trimming keeps the newest. */
  at: number;
  /** The tool message's ordinal in the room, once there is one: breaks ties of `at` in message order. */
  n?: number;
};

/** Tool call ids (`call_0`) repeat across runs; the run id makes the ref unique. */
export const toolNodeRef = (runId: string, toolCallId: string): string => `${runId}/${toolCallId}`;

export type ToolOp =
  | { op: "upsert"; kind: "tool"; ref: string; data: ToolNodeData; near: string }
  | { op: "link"; source: string; target: string; label: string }
  | { op: "trim"; kind: "tool"; threadId: string; keep: number };

function toolOps(ref: string, data: ToolNodeData): ToolOp[] {
  const thread = domainNodeId("thread", data.threadId);
  return [
    { op: "upsert", kind: "tool", ref, data, near: thread },
    { op: "link", source: domainNodeId("tool", ref), target: thread, label: "tool of" },
    { op: "trim", kind: "tool", threadId: data.threadId, keep: TOOL_NODES_PER_THREAD },
  ];
}

/** A finished call: the Autopilot's `tool` message carries its outcome. Other messages: nothing. */
export function toolOpsForMessage(message: Pick<Message, "n" | "threadId" | "kind" | "tool" | "createdAt">): ToolOp[] {
  const tool = message.kind === "tool" ? message.tool : undefined;
  if (!tool) return [];
  return toolOps(toolNodeRef(tool.runId, tool.callId), { name: tool.name, status: tool.status, durationMs: tool.durationMs, threadId: message.threadId, at: message.createdAt, n: message.n });
}

const APPROVAL_STATUS: Record<Approval["status"], ToolNodeStatus> = { pending: "awaiting_approval", approved: "running", denied: "denied", expired: "expired" };

/** A gated call waiting for a person, or just decided (approved: it runs now). Other approvals: nothing. */
export function toolOpsForApproval(approval: Approval): ToolOp[] {
  const action = approval.action;
  if (action?.kind !== "tool" || !approval.threadId) return [];
  const at = approval.resolvedAt ?? approval.requestedAt;
  return toolOps(toolNodeRef(action.runId, action.toolCallId), { name: action.tool, status: APPROVAL_STATUS[approval.status], durationMs: null, threadId: approval.threadId, at });
}

/**
 * The tool nodes beyond the newest `keep` per thread, for the threads in `threadIds`.
 * `nodes` are every node's kind and data; anything malformed is treated as oldest.
 */
export function toolNodesToTrim(nodes: Iterable<{ id: string; kind: unknown; data: Record<string, unknown> }>, keepByThread: ReadonlyMap<string, number>): string[] {
  const byThread = new Map<string, { id: string; at: number; n: number }[]>();
  for (const node of nodes) {
    if (node.kind !== "tool") continue;
    const threadId = node.data.threadId;
    if (typeof threadId !== "string" || !keepByThread.has(threadId)) continue;
    const number = (value: unknown) => (typeof value === "number" && Number.isFinite(value) ? value : 0);
    const list = byThread.get(threadId) ?? [];
    list.push({ id: node.id, at: number(node.data.at), n: number(node.data.n) });
    byThread.set(threadId, list);
  }
  const doomed: string[] = [];
  for (const [threadId, list] of byThread) {
    // Newest first; equal times fall back to message order, then the id, so every replica trims the same nodes.
    list.sort((a, b) => b.at - a.at || b.n - a.n || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
    for (const node of list.slice(keepByThread.get(threadId) ?? TOOL_NODES_PER_THREAD)) doomed.push(node.id);
  }
  return doomed;
}
