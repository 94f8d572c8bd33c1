import { z } from "zod";
import { AgentInfo } from "./agent";
import { Approval } from "./approvals";
import { LiveState } from "./gateway";
import { Instance } from "./instances";
import { Job } from "./jobs";
import { SnapshotRemainder } from "./paging";
import { PresenceSummary } from "./presence";
import { Project } from "./projects";
import { Principal } from "./principal";
import { ThreadReads } from "./reads";
import { WorkspaceSettings } from "./settings";
import { Thread } from "./threads";

/**
 * What a hello's snapshot left out (protocol 7): the snapshot is bounded in count and
 * bytes, so a workspace with hundreds of pending approvals still connects in one small
 * frame. `threads` counts threads, `approvals` pending approvals, `jobs` unfinished jobs;
 * each `next` is the cursor for `threads.list` / `approvals.list {status:"pending"}` /
 * `jobs.list {active:true}`. Protocol 9: `projects` counts projects that are not archived,
 * listed by `projects.list`. Protocol 17: presence is no longer in the snapshot (the hello's
 * `presence` summary, on every hello), nor counted here.
 */
export const SnapshotMore = z.object({
  threads: SnapshotRemainder,
  approvals: SnapshotRemainder,
  jobs: SnapshotRemainder,
  projects: SnapshotRemainder,
});
export type SnapshotMore = z.infer<typeof SnapshotMore>;

/**
 * The workspace state a client needs to render first, bounded (protocol 7): the newest
 * threads, pending approvals and unfinished jobs first, then recent resolved approvals and
 * finished jobs while the byte budget lasts. `more` says what was left out.
 */
export const Snapshot = z.object({
  threads: z.array(Thread),
  /** Pending approvals (newest first) plus, within the budget, the most recent resolved ones. */
  approvals: z.array(Approval),
  /** Unfinished jobs (newest first) plus, within the budget, the most recent finished ones. */
  jobs: z.array(Job),
  /** OpenClaw instances (protocol 3; absent from older rooms). */
  instances: z.array(Instance).default([]),
  /** Protocol 8: the workspace's settings. */
  settings: WorkspaceSettings,
  /** Protocol 9: projects that are not archived, most recently changed first. */
  projects: z.array(Project),
  more: SnapshotMore,
});
export type Snapshot = z.infer<typeof Snapshot>;

/**
 * First frame on every connection. With `snapshot`, the client replaces its state
 * (`reset: true` means its `lastSeq` was too old or unknown: drop everything it had).
 * Without, the events after `lastSeq` up to `seq` follow immediately, in order.
 */
export const HelloPayload = z.object({
  protocol: z.number().int(),
  connectionId: z.string(),
  workspaceId: z.string(),
  /** Identifies this room's event log; a client resumes only within the same epoch. */
  epoch: z.string(),
  principal: Principal,
  seq: z.number().int().nonnegative(),
  reset: z.boolean(),
  resumedFrom: z.number().int().nonnegative().nullable(),
  snapshot: Snapshot.nullable(),
  /** Streaming replies and gateway sessions right now (protocol 4): sent on resume too. */
  live: LiveState.optional(),
  /** The Autopilot's model as configured (protocol 5): configured or what is missing. */
  agent: AgentInfo.optional(),
  /** Protocol 10: this principal's read markers by thread (reads.ts), on every hello, resumes included. */
  reads: ThreadReads,
  /** Protocol 17: who is here, bounded (presence.ts), on every hello, resumes included. */
  presence: PresenceSummary,
  /**
   * The capabilities the room offers to this client's version (capabilities.ts), whether or not
   * it asked for them: a client sees which of those it asked for the server lacks.
   */
  capabilities: z.array(z.string()).optional(),
  /**
   * This client's version leaves the room's window soon (version.ts protocolWindow): the last day
   * it is spoken and what to do. Absent while the version is not leaving within 30 days.
   */
  deprecated: z.object({ removedAfter: z.string(), upgrade: z.string() }).optional(),
  limits: z.object({
    maxFrameBytes: z.number().int(),
    requestsPerSecond: z.number(),
    burst: z.number().int(),
  }),
});
export type HelloPayload = z.infer<typeof HelloPayload>;
