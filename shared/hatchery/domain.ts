import type * as Y from "yjs";
import type { Approval } from "../protocol/approvals";
import type { Instance } from "../protocol/instances";
import type { DurableEvent } from "../protocol/events";
import type { Job } from "../protocol/jobs";
import type { Project } from "../protocol/projects";
import type { Message, Thread } from "../protocol/threads";
import {
  type Activity,
  type ActivityOp,
  activityForApproval,
  activityForJob,
  activityForMessage,
  foldActivity,
} from "./activity";
import {
  type DomainKind,
  domainNodeId,
  FOLDED_KINDS,
  edgeId,
  edgesMap,
  NODE_SIZE,
  nodesMap,
  patchNode,
  readNode,
  writeNode,
} from "./graph";
import { gatherGroup } from "./gather";
import type { PendingNode } from "./layout";
import { placer } from "./placement";
import type { SessionOp } from "./session-nodes";

/**
 * How Autopilot state shows on the canvas: pure functions from durable events (or a
 * snapshot) to idempotent graph operations. The Hatchery room applies them in event order.
 * Threads, instances and sessions are nodes; tool calls, approvals and jobs fold into
 * their subject's `data.activity` (activity.ts); a project is the frame its threads sit in.
 */
export type DomainOp =
  | { op: "upsert"; kind: DomainKind; ref: string; data: Record<string, unknown>; near: string | null }
  | { op: "patch"; kind: DomainKind; ref: string; data: Record<string, unknown> }
  | { op: "link"; source: string; target: string; label: string }
  /** The node and its edges go (a deleted instance). */
  | { op: "remove"; kind: DomainKind; ref: string }
  /** An entry of the subject node's activity (activity.ts). */
  | ActivityOp
  /** Make the session nodes match the current list (session-nodes.ts). */
  | Extract<SessionOp, { op: "retain" }>
  /** A project's frame and exactly the threads it holds (applyFrame). */
  | { op: "frame"; ref: string; data: Record<string, unknown>; threadIds: string[] };

/** How much of a thread's newest message its node shows (a snapshot sends no more of it). */
export const THREAD_PREVIEW_CHARS = 140;

function threadData(t: Thread): Record<string, unknown> {
  return { title: t.title, archived: t.archived, messageCount: t.messageCount, lastMessageAt: t.lastMessageAt };
}

/**
 * A thread on the canvas, or nothing while it is archived: its node goes with its edges and
 * the activity folded into it, and what happens in it meanwhile folds nowhere (a node that
 * is not there takes no patch or activity). Restored, it is placed again, and its activity
 * comes back with the snapshot that follows (refillsActivity).
 */
function threadOps(t: Thread): DomainOp[] {
  if (t.archived) return [{ op: "remove", kind: "thread", ref: t.id }];
  return [{ op: "upsert", kind: "thread", ref: t.id, data: threadData(t), near: null }];
}

/**
 * Whether an event brings back a node whose activity only a snapshot has: a restored
 * thread's approvals, jobs and tool calls went with its node and are not in the events
 * that follow. The Hatchery then pulls a snapshot (party/rooms/hatchery/domain-pull.ts).
 */
export const refillsActivity = (e: DurableEvent): boolean => e.event === "thread.restored";

function instanceOps(i: Instance): DomainOp[] {
  // A deleted instance is not on the canvas: "stopped" is what the room keeps of it, not a state to show.
  if (i.status === "stopped") return [{ op: "remove", kind: "instance", ref: i.id }];
  const ops: DomainOp[] = [
    {
      op: "upsert",
      kind: "instance",
      ref: i.id,
      data: { name: i.name, status: i.status, phase: i.phase, progress: i.progress, error: i.error },
      near: null,
    },
  ];
  for (const t of i.threadIds)
    ops.push({
      op: "link",
      source: domainNodeId("thread", t),
      target: domainNodeId("instance", i.id),
      label: "runs on",
    });
  return ops;
}

/** A project on the canvas: its frame with its threads, or nothing once it is archived. */
function projectOps(p: Project): DomainOp[] {
  if (p.archived) return [{ op: "remove", kind: "project", ref: p.id }];
  return [
    {
      op: "frame",
      ref: p.id,
      data: { name: p.name, threads: p.threadIds.length, archived: false },
      threadIds: p.threadIds,
    },
  ];
}

/** A message's preview: its text, or for files alone, what it carries (as text). */
const previewOf = (message: Message): string =>
  message.text || (message.attachments ?? []).map((file) => `📎 ${file.name}`).join(" ");

/** The thread's node shows `message` as its newest. */
const lastMessageOp = (message: Message): DomainOp => ({
  op: "patch",
  kind: "thread",
  ref: message.threadId,
  data: {
    lastMessage: {
      author: message.author.name,
      authorKind: message.author.kind,
      text: previewOf(message).slice(0, THREAD_PREVIEW_CHARS),
      at: message.createdAt,
    },
  },
});

export function opsForEvent(e: DurableEvent): DomainOp[] {
  switch (e.event) {
    case "thread.created":
    case "thread.renamed":
    case "thread.archived":
    case "thread.restored":
      return threadOps((e.payload as { thread: Thread }).thread);
    case "message.created": {
      const { message } = e.payload as { message: Message };
      // The thread's counters arrive with the thread; the message adds the preview (and a tool call its activity).
      return [...activityForMessage(message), lastMessageOp(message)];
    }
    case "approval.requested":
    case "approval.updated":
    case "approval.resolved": {
      return activityForApproval((e.payload as { approval: Approval }).approval);
    }
    case "job.started":
    case "job.progressed":
    case "job.cancel_requested":
    case "job.finished":
      return activityForJob((e.payload as { job: Job }).job);
    case "instance.updated":
      return instanceOps((e.payload as { instance: Instance }).instance);
    case "project.changed":
      return projectOps((e.payload as { project: Project }).project);
    default:
      return [];
  }
}

/**
 * `toolMessages`: the newest Autopilot tool messages per thread (a call waiting for a person is
 * its approval); `lastMessages`: each thread's newest message, for its node's preview.
 */
export function opsForSnapshot(s: {
  threads: Thread[];
  approvals: Approval[];
  jobs: Job[];
  instances?: Instance[];
  toolMessages?: Message[];
  lastMessages?: Message[];
  projects?: Project[];
}): DomainOp[] {
  return [
    ...(s.instances ?? []).flatMap(instanceOps),
    ...s.threads.flatMap(threadOps),
    ...(s.lastMessages ?? []).map(lastMessageOp),
    ...s.jobs.flatMap(activityForJob),
    ...s.approvals.flatMap(activityForApproval),
    ...(s.toolMessages ?? []).flatMap(activityForMessage),
    // After the threads: a frame gathers the thread nodes it holds.
    ...(s.projects ?? []).flatMap(projectOps),
  ];
}

/** The nodes `ops` would create (for layout before applying them). */
export function pendingNodes(doc: Y.Doc, ops: DomainOp[]): PendingNode[] {
  const seen = new Set<string>();
  const pending: PendingNode[] = [];
  for (const op of ops) {
    if (op.op !== "upsert") continue;
    const id = domainNodeId(op.kind, op.ref);
    if (seen.has(id) || nodesMap(doc).has(id)) continue;
    seen.add(id);
    pending.push({ id, kind: op.kind, near: op.near });
  }
  return pending;
}

/**
 * Applies operations to the document (call inside one transaction). New domain nodes are
 * placed automatically; an existing node keeps its position (a person may have moved it).
 * A message for a thread the canvas has not seen yet is dropped: the thread's own upsert
 * carries everything the node shows. Activity folds in after every upsert of the batch
 * (a snapshot page may list an approval before the instance it concerns) and is dropped
 * when its subject is not on the canvas. The sessions' retain runs last. Returns the ids
 * of the nodes it removed (deleted instances, sessions no longer listed).
 */
export function applyDomainOps(
  doc: Y.Doc,
  ops: DomainOp[],
  laidOut: Map<string, { x: number; y: number }> = new Map(),
): string[] {
  const nodes = nodesMap(doc);
  let retain: Extract<DomainOp, { op: "retain" }> | null = null;
  const activity: ActivityOp[] = [];
  const frames: Extract<DomainOp, { op: "frame" }>[] = [];
  const removed: string[] = [];
  const place = placer(doc);
  for (const op of ops) {
    if (op.op === "remove") {
      const id = domainNodeId(op.kind, op.ref);
      if (nodes.has(id)) removed.push(...removeNodes(doc, [id]));
      continue;
    }
    if (op.op === "activity") {
      activity.push(op);
      continue;
    }
    if (op.op === "retain") {
      retain = op;
      continue;
    }
    if (op.op === "frame") {
      frames.push(op);
      continue;
    }
    if (op.op === "link") {
      const id = edgeId(op.source, op.target);
      if (!edgesMap(doc).has(id) && nodes.has(op.source) && nodes.has(op.target)) {
        edgesMap(doc).set(id, { id, source: op.source, target: op.target, kind: "domain", label: op.label });
      }
      continue;
    }
    const id = domainNodeId(op.kind, op.ref);
    const existing = nodes.get(id);
    if (op.op === "patch") {
      if (existing) patchNode(doc, id, { data: { ...readNode(id, existing).data, ...op.data } });
      continue;
    }
    if (existing) {
      const current = readNode(id, existing).data;
      patchNode(doc, id, { data: { ...current, ...op.data } });
      continue;
    }
    const size = NODE_SIZE[op.kind];
    const { x, y } = place(size, op.near, laidOut.get(id));
    writeNode(doc, { id, kind: op.kind, ref: op.ref, x, y, ...size, placed: "auto", parent: null, data: op.data });
  }
  foldInto(doc, activity);
  // After every upsert of the batch: a frame holds thread nodes this very batch may have made.
  for (const frame of frames) applyFrame(doc, frame, place);
  return retain ? [...removed, ...retainSessions(doc, retain)] : removed;
}

/**
 * A project's frame holds exactly the project's threads, as a group holds its members.
 * Made, it gathers them into a block (gather.ts), as making a group does; when its
 * threads change, a thread that left it is let go where it is and the frame gathers its
 * threads again; a rename changes only its data, so people's layout inside stays. A thread
 * the canvas does not show yet joins on the frame's next change.
 */
function applyFrame(doc: Y.Doc, op: Extract<DomainOp, { op: "frame" }>, place: ReturnType<typeof placer>): void {
  const nodes = nodesMap(doc);
  const id = domainNodeId("project", op.ref);
  const wanted = op.threadIds.map((t) => domainNodeId("thread", t)).filter((t) => nodes.has(t));
  const existing = nodes.get(id);
  if (!existing) {
    const size = NODE_SIZE.project;
    const { x, y } = place(size, null, undefined);
    writeNode(doc, { id, kind: "project", ref: op.ref, x, y, ...size, placed: "auto", parent: null, data: op.data });
    gatherGroup(doc, id, wanted);
    return;
  }
  patchNode(doc, id, { data: { ...readNode(id, existing).data, ...op.data } });
  const keep = new Set(wanted);
  let members = 0;
  let released = false;
  nodes.forEach((m, nodeId) => {
    if (m.get("parent") !== id) return;
    if (keep.has(nodeId)) members++;
    else {
      m.set("parent", null);
      released = true;
    }
  });
  if (wanted.length > 0 && (released || members !== wanted.length)) gatherGroup(doc, id, wanted);
}

/** Folds activity entries into their subjects' `data.activity`, one write per subject. */
function foldInto(doc: Y.Doc, ops: ActivityOp[]): void {
  const folded = new Map<string, Activity>();
  for (const { subject, entry } of ops) {
    const m = nodesMap(doc).get(subject);
    if (!m) continue;
    const current = folded.get(subject) ?? readActivity(readNode(subject, m).data.activity);
    folded.set(subject, foldActivity(current, entry));
  }
  for (const [subject, activity] of folded) {
    const m = nodesMap(doc).get(subject);
    if (m) patchNode(doc, subject, { data: { ...readNode(subject, m).data, activity } });
  }
}

/** The stored activity as the fold reads it: the server wrote it, but a malformed one starts afresh. */
function readActivity(value: unknown): Pick<Activity, "entries" | "more"> | null {
  if (!value || typeof value !== "object") return null;
  const { entries, more } = value as { entries?: unknown; more?: unknown };
  return Array.isArray(entries) ? { entries: entries as Activity["entries"], more: more === true } : null;
}

/** Removes session nodes not in the list, and the domain edges of session nodes that no longer hold (a thread detached). */
function retainSessions(doc: Y.Doc, retain: Extract<DomainOp, { op: "retain" }>): string[] {
  const keep = new Set(retain.refs.map((ref) => domainNodeId("session", ref)));
  const gone = [...readNodes(doc)].filter((n) => n.kind === "session" && !keep.has(n.id)).map((n) => n.id);
  const wanted = new Set(retain.edges);
  const edges = edgesMap(doc);
  for (const [id, edge] of [...edges]) {
    if (edge.kind === "domain" && !wanted.has(id) && (keep.has(edge.source) || keep.has(edge.target))) edges.delete(id);
  }
  return removeNodes(doc, gone);
}

function* readNodes(doc: Y.Doc) {
  for (const [id, m] of nodesMap(doc))
    yield { id, kind: m.get("kind"), data: (m.get("data") as Record<string, unknown> | undefined) ?? {} };
}

/** Removes the nodes of kinds that now fold into their subject (graph.ts FOLDED_KINDS) and their edges. */
export function removeFoldedNodes(doc: Y.Doc): string[] {
  const folded: readonly unknown[] = FOLDED_KINDS;
  return removeNodes(
    doc,
    [...readNodes(doc)].filter((n) => folded.includes(n.kind)).map((n) => n.id),
  );
}

/** Deletes nodes and every edge that touches them; a deleted frame's members stay where they are, in none. */
function removeNodes(doc: Y.Doc, ids: string[]): string[] {
  if (ids.length === 0) return ids;
  const gone = new Set(ids);
  for (const id of ids) nodesMap(doc).delete(id);
  nodesMap(doc).forEach((m) => {
    const parent = m.get("parent");
    if (typeof parent === "string" && gone.has(parent)) m.set("parent", null);
  });
  const edges = edgesMap(doc);
  for (const [id, edge] of [...edges]) if (gone.has(edge.source) || gone.has(edge.target)) edges.delete(id);
  return ids;
}
