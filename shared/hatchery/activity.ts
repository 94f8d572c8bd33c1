import { approvalStatusWords, shortDuration, toolLabel } from "../plain-words";
import type { Approval } from "../protocol/approvals";
import type { Job } from "../protocol/jobs";
import type { Message } from "../protocol/threads";
import { domainNodeId } from "./graph";

/**
 * Activity on the canvas: tool calls, approvals and jobs are not nodes. Each folds into
 * its subject's node (the thread it happened in, else the instance it concerns) as one
 * entry of `data.activity`, keyed by the item's ref, so applying the same event or
 * snapshot again rewrites the same entry and the document does not change. Activity with
 * no subject on the canvas (a job outside any thread) is left to the panels, which read
 * the room's state.
 */
export const ACTIVITY_KINDS = ["tool", "approval", "job"] as const;
export type ActivityKind = (typeof ACTIVITY_KINDS)[number];

/** Entries one subject keeps; older settled ones go first, and `more` says some went. */
export const ACTIVITY_PER_SUBJECT = 30;
/** The newest tool calls per thread a snapshot carries (party/rooms/autopilot/features/canvas/graph-feed.ts). */
export const TOOL_CALLS_PER_THREAD = 5;
export const ACTIVITY_TITLE_MAX = 200;
export const ACTIVITY_DETAIL_MAX = 200;

export interface ActivityEntry {
  /** `tool:<run>/<call>`, `approval:<id>` or `job:<id>`: one entry per item, whatever happens to it. */
  ref: string;
  kind: ActivityKind;
  title: string;
  status: string;
  /** When the item last changed: newest first, and an older report never replaces a newer one. */
  at: number;
  /** A job's progress (0–100); null otherwise. */
  progress: number | null;
  /** One line more: an approval's summary, a job's message or error, a tool call's duration. */
  detail: string | null;
}

export interface Activity {
  /** Newest first, at most ACTIVITY_PER_SUBJECT. */
  entries: ActivityEntry[];
  /** Entries were dropped to keep the cap. */
  more: boolean;
  counts: Record<ActivityKind, number>;
  /** What wants a person: approvals waiting, jobs running, jobs failed (of the kept entries). */
  attention: { approvals: number; running: number; failed: number };
}

export type ActivityOp = { op: "activity"; subject: string; entry: ActivityEntry };

const clip = (text: string | null | undefined, max: number): string | null => (text ? text.slice(0, max) : null);

/** Tool call ids (`call_0`) repeat across runs; the run id makes the ref unique. */
export const toolActivityRef = (runId: string, toolCallId: string): string => `tool:${runId}/${toolCallId}`;

/** `ms` as "0.9 s" or "2.4 s" (shared/plain-words.ts). */
const duration = (ms: number | null): string | null =>
  ms === null || !Number.isFinite(ms) || ms < 0 ? null : shortDuration(ms);

/** A finished Autopilot tool call (its `tool` message); other messages fold nothing. */
export function activityForMessage(message: Pick<Message, "threadId" | "kind" | "tool" | "createdAt">): ActivityOp[] {
  const tool = message.kind === "tool" ? message.tool : undefined;
  if (!tool) return [];
  const entry: ActivityEntry = {
    ref: toolActivityRef(tool.runId, tool.callId),
    kind: "tool",
    // What it did in words ("Archive a thread"), never the tool's name.
    title: toolLabel(tool.name).slice(0, ACTIVITY_TITLE_MAX),
    status: tool.status,
    at: message.createdAt,
    progress: null,
    detail: duration(tool.durationMs),
  };
  return [{ op: "activity", subject: domainNodeId("thread", message.threadId), entry }];
}

/** The thread an approval was asked in, else the instance its action concerns. */
export function approvalSubject(a: Pick<Approval, "threadId" | "action">): string | null {
  if (a.threadId) return domainNodeId("thread", a.threadId);
  const action = a.action;
  return action && "instanceId" in action ? domainNodeId("instance", action.instanceId) : null;
}

export function activityForApproval(a: Approval): ActivityOp[] {
  const subject = approvalSubject(a);
  if (!subject) return [];
  const entry: ActivityEntry = {
    ref: `approval:${a.id}`,
    kind: "approval",
    title: a.title.slice(0, ACTIVITY_TITLE_MAX),
    // One withdrawn (someone went ahead without it) is not one that expired unanswered.
    status: a.status === "expired" && a.note ? "withdrawn" : a.status,
    at: a.resolvedAt ?? a.requestedAt,
    progress: null,
    // A summary that only repeats the title (an approval without an action) says nothing more.
    detail: clip(
      a.resolvedBy
        ? `${approvalStatusWords(a).toLowerCase()} by ${a.resolvedBy.name}`
        : a.summary === a.title
          ? null
          : a.summary,
      ACTIVITY_DETAIL_MAX,
    ),
  };
  return [{ op: "activity", subject, entry }];
}

export function activityForJob(j: Job): ActivityOp[] {
  if (!j.threadId) return [];
  const entry: ActivityEntry = {
    ref: `job:${j.id}`,
    kind: "job",
    title: j.title.slice(0, ACTIVITY_TITLE_MAX),
    status: j.status,
    at: j.updatedAt,
    progress: j.progress,
    detail: clip(j.error || j.message || null, ACTIVITY_DETAIL_MAX),
  };
  return [{ op: "activity", subject: domainNodeId("thread", j.threadId), entry }];
}

/** Still wants a person or still going: kept over settled entries when the cap bites. */
export const isOpenEntry = (e: Pick<ActivityEntry, "kind" | "status">): boolean =>
  (e.kind === "approval" && e.status === "pending") ||
  (e.kind === "job" && (e.status === "running" || e.status === "cancel_requested"));

const newestFirst = (a: ActivityEntry, b: ActivityEntry) => b.at - a.at || (a.ref < b.ref ? -1 : a.ref > b.ref ? 1 : 0);

/** Counts and attention, derived from the entries alone. */
export function summarize(entries: ActivityEntry[], more: boolean): Activity {
  const counts: Record<ActivityKind, number> = { tool: 0, approval: 0, job: 0 };
  const attention = { approvals: 0, running: 0, failed: 0 };
  for (const e of entries) {
    counts[e.kind]++;
    if (e.kind === "approval" && e.status === "pending") attention.approvals++;
    if (e.kind === "job" && (e.status === "running" || e.status === "cancel_requested")) attention.running++;
    if (e.kind === "job" && e.status === "failed") attention.failed++;
  }
  return { entries, more, counts, attention };
}

/**
 * `current` with `entry` folded in: replaces the entry of the same ref unless that one is
 * newer, then keeps at most `cap` (dropping the oldest settled entries first). A pure
 * function of its inputs, so folding the same entry twice changes nothing.
 */
export function foldActivity(
  current: Pick<Activity, "entries" | "more"> | null,
  entry: ActivityEntry,
  cap = ACTIVITY_PER_SUBJECT,
): Activity {
  const entries = current?.entries ?? [];
  const existing = entries.find((e) => e.ref === entry.ref);
  if (existing && existing.at > entry.at) return summarize(entries, current?.more ?? false);
  let next = [...entries.filter((e) => e.ref !== entry.ref), entry].sort(newestFirst);
  let more = current?.more ?? false;
  if (next.length > cap) {
    more = true;
    const open = next.filter(isOpenEntry);
    const settled = next.filter((e) => !isOpenEntry(e));
    const keepOpen = open.slice(0, cap);
    next = [...keepOpen, ...settled.slice(0, cap - keepOpen.length)].sort(newestFirst);
  }
  return summarize(next, more);
}
