import type { MessageTool } from "../protocol/agent";
import type { Approval } from "../protocol/approvals";
import type { Instance } from "../protocol/instances";
import type { Thread } from "../protocol/threads";

// The workspace records tests build (the canvas tests here hand them the Hatchery's
// projection; the app's tests and the room's build theirs on these too): one place for the
// fields a test does not care about, so each names only what it is about.

/** Who made everything in these tests. */
export const actor = { id: "u1", kind: "user" as const, name: "Olga" };

/** A thread of the Autopilot's, made by `actor` at time 1, with no messages yet. */
export const threadRecord = (id: string, more: Partial<Thread> = {}): Thread => ({
  id,
  title: `Thread ${id}`,
  archived: false,
  createdBy: actor,
  createdAt: 1,
  updatedAt: 1,
  lastMessageAt: null,
  messageCount: 0,
  responder: { kind: "autopilot", reply: "every", agents: false },
  ...more,
});

/** Instance `id`, ready (no operation under way, no error, no thread attached), made by `actor` at time 1. */
export const readyInstance = (id: string, more: Partial<Instance> = {}): Instance => ({
  id,
  name: `Instance ${id}`,
  status: "ready",
  phase: "ready",
  progress: 100,
  error: null,
  threadIds: [],
  jobId: null,
  createdBy: actor,
  createdAt: 1,
  updatedAt: 1,
  ...more,
});

/** The Autopilot as the author of what it asks and posts. */
export const autopilot = { id: "autopilot", kind: "agent" as const, name: "Autopilot" };

/**
 * The approval the Autopilot files to archive thread thr_9, asked at time 1 and approved by
 * `actor` at time 5, with no note and no action attached.
 */
export const approvedApproval = (more: Partial<Approval> = {}): Approval => ({
  id: "apr_1",
  title: "The Autopilot wants to archive a thread",
  summary: "s",
  details: "",
  risk: "medium",
  status: "approved",
  threadId: "thr_9",
  requestedBy: autopilot,
  onBehalfOf: null,
  requestedAt: 1,
  expiresAt: null,
  resolvedBy: actor,
  resolvedAt: 5,
  note: null,
  selfConfirmed: false,
  ...more,
});

/** A memory_put call `callId` of run `runId` that took 1 ms and went through, with no approval. */
export const memoryPutCall = (callId: string, runId: string): MessageTool => ({
  runId,
  callId,
  name: "memory_put",
  arguments: "{}",
  result: "{}",
  status: "ok",
  durationMs: 1,
  approvalId: null,
});

/** The outcome of a spend approval the room resolved as no longer needed when its budget was raised. */
export const budgetRaisedOutcome = {
  status: "expired" as const,
  resolvedBy: { id: "u_alice", kind: "user" as const, name: "Alice Owner" },
  note: "no longer needed: Alice Owner raised the budget to 1,000 credits",
};
