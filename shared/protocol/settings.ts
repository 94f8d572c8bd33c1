import { z } from "zod";
import { mutatingParams } from "./common";
import { MAX_APPROVAL_TTL_MS, Risk } from "./approvals";

/** A lifetime a workspace may set for one kind of approval: one minute to thirty days. */
const Lifetime = z.number().int().min(60_000).max(MAX_APPROVAL_TTL_MS);

/**
 * How long each kind of approval waits before it expires (protocol 8). `null` keeps the
 * built-in rule: instance operations 24 h, the Autopilot's tool calls the room's
 * configured lifetime, OpenClaw's own requests (`gateway`: exec and pairing) the lifetime
 * their gateway gives them, plain requests what the requester asked for (none: no expiry).
 * A value set here is the longest any approval of that kind waits.
 */
export const ApprovalLifetimes = z.object({
  instance: Lifetime.nullable(),
  tool: Lifetime.nullable(),
  gateway: Lifetime.nullable(),
  request: Lifetime.nullable(),
});
export type ApprovalLifetimes = z.infer<typeof ApprovalLifetimes>;
export type ApprovalKind = keyof ApprovalLifetimes;

/** A reminder ladder's wait before a step: one second (for trials) to a day. */
const StepAfter = z
  .number()
  .int()
  .min(1000)
  .max(24 * 60 * 60 * 1000);

/**
 * One step of a workspace's reminder ladder (features/approval-reach/): after `afterMs` from
 * filing, an approval still pending is either reminded on another surface to the people it was
 * sent to (`surface`), or sent to the workspace's admins too (`admins`), or to its owners
 * (`owners`). `risks`: the risks the step applies to (absent: every risk).
 */
export const ReminderStep = z.object({
  afterMs: StepAfter,
  add: z.enum(["surface", "admins", "owners"]),
  risks: z.array(Risk).max(4).optional(),
});
export type ReminderStep = z.infer<typeof ReminderStep>;

/** The ladder an approval climbs while nobody decides it, its steps in the order of `afterMs`. */
export const ReminderLadder = z.array(ReminderStep).max(8);
export type ReminderLadder = z.infer<typeof ReminderLadder>;

/** The ladder of a workspace that never set one: 5 minutes another surface, 15 the admins, 60 the owners. */
export const DEFAULT_REMINDER_LADDER: ReminderLadder = [
  { afterMs: 5 * 60 * 1000, add: "surface" },
  { afterMs: 15 * 60 * 1000, add: "admins" },
  { afterMs: 60 * 60 * 1000, add: "owners" },
];

/**
 * Who may decide an approval (protocol 8, docs/access.md "Approvals"). By default a person
 * may approve what they asked for, or what an agent asked on their behalf, with one
 * explicit confirm (`confirmOwn`), audited as self-confirmed. With `twoPersonRule` on,
 * neither the requester nor the one it was asked on behalf of may decide it.
 */
export const ApprovalPolicy = z.object({
  twoPersonRule: z.boolean(),
  lifetimes: ApprovalLifetimes,
  /**
   * Protocol 19: the highest risk a decision link (an approval's mail, its Web Push actions)
   * decides on its own; above it the person decides signed in (docs/access.md). Absent (a
   * server of 18): `medium`, as the room has it until an owner or admin sets it.
   */
  linkDecisionsUpTo: Risk.optional(),
  /** The reminder ladder (ReminderLadder). Absent (a server before reminders): DEFAULT_REMINDER_LADDER. */
  reminders: ReminderLadder.optional(),
});
export type ApprovalPolicy = z.infer<typeof ApprovalPolicy>;

/** The workspace's own settings, kept by its Autopilot room and sent in every snapshot. */
export const WorkspaceSettings = z.object({
  approvals: ApprovalPolicy,
});
export type WorkspaceSettings = z.infer<typeof WorkspaceSettings>;

/** What a workspace's decision links decide up to while nobody set it (shared/approval-policy.ts). */
export const DEFAULT_LINK_DECISIONS_UP_TO: Risk = "medium";

export const DEFAULT_SETTINGS: WorkspaceSettings = {
  approvals: {
    twoPersonRule: false,
    lifetimes: { instance: null, tool: null, gateway: null, request: null },
    linkDecisionsUpTo: DEFAULT_LINK_DECISIONS_UP_TO,
  },
};

/** Changes only what it names; owners and admins (the `admin` scope). */
export const SettingsUpdateParams = mutatingParams({
  approvals: z
    .object({
      twoPersonRule: z.boolean().optional(),
      lifetimes: ApprovalLifetimes.partial().optional(),
      linkDecisionsUpTo: Risk.optional(),
      reminders: ReminderLadder.optional(),
    })
    .optional(),
});
export const SettingsResult = z.object({ settings: WorkspaceSettings });
export const SettingsChangedPayload = z.object({ settings: WorkspaceSettings });
