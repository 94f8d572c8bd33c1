import { z } from "zod";
import { AgentInfo } from "./agent";
import { Approval } from "./approvals";
import { LiveState } from "./gateway";
import { Instance } from "./instances";
import { Job } from "./jobs";
import { PresenceEntry } from "./presence";
import { Principal } from "./principal";
import { Thread } from "./threads";

/** The workspace state a client needs to render without asking anything else. */
export const Snapshot = z.object({
  threads: z.array(Thread),
  /** Every pending approval plus the most recent resolved ones. */
  approvals: z.array(Approval),
  /** Every unfinished job plus the most recent finished ones. */
  jobs: z.array(Job),
  presence: z.array(PresenceEntry),
  /** OpenClaw instances (protocol 3; absent from older rooms). */
  instances: z.array(Instance).default([]),
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
  limits: z.object({
    maxFrameBytes: z.number().int(),
    requestsPerSecond: z.number(),
    burst: z.number().int(),
  }),
});
export type HelloPayload = z.infer<typeof HelloPayload>;
