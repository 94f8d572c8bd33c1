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
    })
    .optional(),
});
export const SettingsResult = z.object({ settings: WorkspaceSettings });
export const SettingsChangedPayload = z.object({ settings: WorkspaceSettings });
