import { z } from "zod";
import { SpendAction } from "./billing";
import { EntityId, mutatingParams, Timestamp, Title } from "./common";
import { BackupId, DeviceId, InstanceId, InstanceOperation } from "./instances";
import { PageCursor, pageParams } from "./paging";
import { CHAT_PLATFORM_NAMES } from "./chat-platforms";
import { Actor } from "./principal";

export const Risk = z.enum(["low", "medium", "high", "critical"]);
export type Risk = z.infer<typeof Risk>;
export const ApprovalStatus = z.enum(["pending", "approved", "denied", "expired"]);
export type ApprovalStatus = z.infer<typeof ApprovalStatus>;
export const Decision = z.enum(["approve", "deny"]);
export type Decision = z.infer<typeof Decision>;

/** The room runs an instance operation once approved. */
export const InstanceAction = z.object({
  kind: z.literal("instance"),
  operation: InstanceOperation,
  instanceId: InstanceId,
  name: z.string().optional(),
  /** Restore only: the backup to restore (protocol 6). */
  backupId: BackupId.optional(),
  /** Unpair only: the device to remove (protocol 6). */
  deviceId: DeviceId.optional(),
  /** Channel operations only (protocol 8): the channel account; what is set is in the room, a token never here. */
  channel: z.object({ channel: z.string().max(64), accountId: z.string().max(64) }).optional(),
  /** Skill operations only (capability `instances.skills`): the skill; what is set is in the room, a key never here. */
  skill: z.object({ key: z.string().max(64) }).optional(),
  /** A tool's run only (capability `instances.tools`): the tool and its arguments (JSON text), as the person decides on them. */
  tool: z.object({ name: z.string().max(100), args: z.string().max(8_000) }).optional(),
  /** A config change only (capability `instances.config`): the patch (JSON text) and the config's hash it was read against. */
  config: z.object({ patch: z.string().max(8_000), baseHash: z.string().max(500) }).optional(),
});

/** An OpenClaw agent wants to run a command (protocol 4); the decision goes back to its gateway. */
export const ExecAction = z.object({
  kind: z.literal("exec"),
  instanceId: InstanceId,
  /** The gateway's approval id. */
  requestId: z.string(),
  command: z.string(),
  cwd: z.string().nullable(),
  sessionKey: z.string().nullable(),
});

/** A device, node or channel sender asks to pair with an OpenClaw gateway (protocol 4). */
export const PairingAction = z.object({
  kind: z.literal("pairing"),
  instanceId: InstanceId,
  target: z.enum(["device", "node", "channel"]),
  requestId: z.string(),
  /** Device/node id, or the channel sender. */
  subject: z.string(),
  /** e.g. platform and client for a device, the channel name for a channel sender. */
  summary: z.string(),
  scopes: z.array(z.string()),
  /** Channel requests only: the channel account the sender wrote to. */
  channel: z.object({ channel: z.string(), accountId: z.string() }).optional(),
});

/** The Autopilot's model wants to call a gated tool (protocol 5); its run waits for the decision. */
export const ToolAction = z.object({
  kind: z.literal("tool"),
  runId: z.string(),
  toolCallId: z.string(),
  tool: z.string(),
  /** JSON text, clipped. */
  arguments: z.string(),
});

/** Where a decision was taken (Approval.decidedIn): the app, a link, a chat platform (chat-platforms.ts). */
/** `allowance` (protocol 16): approved by the spending allowance a person gave the agent key whose work it was. */
export const DecidedIn = z.enum(["app", "link", ...CHAT_PLATFORM_NAMES, "allowance"]);
export type DecidedIn = z.infer<typeof DecidedIn>;

export const MAX_APPROVAL_TTL_MS = 30 * 24 * 60 * 60 * 1000;

/**
 * Who an approval reached and how it stands for its asker, in words (features/approval-reach/,
 * docs/access.md "Who is told"). Kept by the room on the approval as the reminders go on; absent
 * on approvals filed before reach was recorded.
 */
export const ApprovalReach = z.object({
  /** Whom it was sent to and where: "sent to Ann in Slack and by push; Bob by mail". */
  sentTo: z.string().max(1000),
  /** While pending: whom it waits for and when they were last reminded ("waiting for Ann (reminded 10 minutes ago)"). */
  waiting: z.string().max(500).nullable(),
  /** Nobody who may decide it can be reached: why, and what to do. */
  nobody: z.string().max(500).nullable(),
  /** How many steps of the workspace's reminder ladder have run. */
  step: z.number().int().min(0).max(50),
  /** When the latest reminder went (null: none yet). */
  remindedAt: Timestamp.nullable(),
  /** Once decided or expired: the outcome in words, with who decided it and where. */
  outcome: z.string().max(500).nullable(),
});
export type ApprovalReach = z.infer<typeof ApprovalReach>;

export const Approval = z.object({
  id: EntityId,
  title: z.string(),
  /**
   * Protocol 8: what happens once it is approved, in plain words, with ids resolved to the
   * names the room knew when it was filed (`shared/approval-summary.ts`); an approval
   * without an action summarizes as its title.
   */
  summary: z.string().max(500),
  details: z.string(),
  risk: Risk,
  status: ApprovalStatus,
  threadId: EntityId.nullable(),
  requestedBy: Actor,
  /**
   * Protocol 8: the person or key whose turn made it be asked: the requester itself for a
   * request a principal files, the principal whose message started the Autopilot's turn
   * for one the Autopilot files; null for OpenClaw's own requests. Under the two-person
   * rule neither the requester nor this one may decide it.
   */
  onBehalfOf: Actor.nullable(),
  requestedAt: Timestamp,
  expiresAt: Timestamp.nullable(),
  /** Who decided; null while pending and when it expired. */
  resolvedBy: Actor.nullable(),
  resolvedAt: Timestamp.nullable(),
  note: z.string().nullable(),
  /** Protocol 8: approved by whoever asked for it (or on whose behalf it was asked), with an explicit confirm. */
  selfConfirmed: z.boolean(),
  /**
   * Protocol 13: where the person decided it: the app (a tab, the CLI, MCP), a decision link
   * from a mail or a notification, or a chat's button. Absent while pending, when it expired,
   * and for decisions recorded before 13.
   */
  decidedIn: DecidedIn.optional(),
  /**
   * What the room itself does once this is approved (an instance operation); absent for
   * approvals an agent asked for its own purposes.
   */
  action: z
    .discriminatedUnion("kind", [InstanceAction, ExecAction, PairingAction, ToolAction, SpendAction])
    .nullable()
    .optional(),
  /** Whom it reached and how it stands, in words (ApprovalReach); absent until the room recorded it. */
  reach: ApprovalReach.optional(),
});
export type Approval = z.infer<typeof Approval>;

export const ApprovalsRequestParams = mutatingParams({
  title: Title,
  details: z.string().max(16_000).default(""),
  risk: Risk.default("medium"),
  threadId: EntityId.optional(),
  /** Lifetime from now; the approval resolves as `expired` when it runs out. */
  expiresInMs: z.number().int().min(1000).max(MAX_APPROVAL_TTL_MS).optional(),
});
export const ApprovalsResolveParams = mutatingParams({
  approvalId: EntityId,
  decision: Decision,
  note: z.string().max(2000).optional(),
  /**
   * Protocol 8: the decider asked for this (or it was asked on their behalf) and approves
   * it anyway: required for that, refused under the two-person rule.
   */
  confirmOwn: z.literal(true).optional(),
  /**
   * Protocol 15, a spend approval only, with approve: the credits to grant instead of what it
   * asks (more, or less: the work asks again when it has used them).
   */
  amount: z.number().int().positive().max(1_000_000_000_000).optional(),
});
export const ApprovalResult = z.object({ approval: Approval });

/** Newest requested first; `before` continues after a page's `next` (protocol 7). */
export const ApprovalsListParams = pageParams({ status: ApprovalStatus.optional() }, { max: 500, size: 100 });
/** `next` is null on the last page. */
export const ApprovalsListResult = z.object({ approvals: z.array(Approval), next: PageCursor.nullable() });
export const ApprovalsGetParams = z.object({ approvalId: EntityId });

/** A duration's middle and 95th percentile over the approvals it was measured on (null: none measured). */
export const Percentiles = z.object({
  count: z.number().int().min(0),
  p50Ms: z.number().min(0).nullable(),
  p95Ms: z.number().min(0).nullable(),
});

/**
 * How the workspace's approvals reached people (features/approval-reach/), from the room's state:
 * decided, expired with someone told, expired with nobody told (the goal is none), and the
 * time from filing to the first notification and to the decision.
 */
export const ApprovalFigures = z.object({
  /** Since when the room has counted (the first approval it recorded reach for); null: none yet. */
  since: Timestamp.nullable(),
  pending: z.number().int().min(0),
  decided: z.number().int().min(0),
  expiredTold: z.number().int().min(0),
  expiredNobodyTold: z.number().int().min(0),
  /** Approvals during which nobody who could decide was reachable, at filing or later. */
  nobodyReachable: z.number().int().min(0),
  toFirstNotice: Percentiles,
  toDecision: Percentiles,
});
export type ApprovalFigures = z.infer<typeof ApprovalFigures>;
export const ApprovalsFiguresParams = z.object({});
export const ApprovalsFiguresResult = z.object({ figures: ApprovalFigures });

export const ApprovalEventPayload = z.object({ approval: Approval });
