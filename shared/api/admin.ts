import { z } from "zod";
import { ApprovalFigures } from "../protocol/approvals";
import { ModerationActionName, ModerationView, NostrEventId, NostrPubkey } from "../protocol/community";

/**
 * Where an account stands with the operators: `active` (may use the product), `waitlisted`
 * (signed up while sign-up was a waitlist and not approved yet: may sign in, nothing
 * else), `disabled` (banned by an operator: cannot sign in).
 */
export const AccountStatus = z.enum(["active", "waitlisted", "disabled"]);
export type AccountStatus = z.infer<typeof AccountStatus>;

/** A row of `/admin`'s user list. */
export const AdminUser = z.object({
  id: z.string(),
  name: z.string(),
  email: z.string(),
  emailVerified: z.boolean(),
  status: AccountStatus,
  operator: z.boolean(),
  // D1 hands back whatever better-auth wrote for the date: an ISO string or epoch ms.
  createdAt: z.union([z.string(), z.number()]),
});
export type AdminUser = z.infer<typeof AdminUser>;

/** `GET /api/admin/users`, newest first. */
export const AdminUsersResponse = z.object({ users: z.array(AdminUser) });

/** A row of `/admin`'s workspace list. */
export const AdminWorkspace = z.object({
  id: z.string(),
  name: z.string(),
  slug: z.string(),
  members: z.number().int(),
  createdAt: z.union([z.string(), z.number()]),
});
export type AdminWorkspace = z.infer<typeof AdminWorkspace>;

/** `GET /api/admin/workspaces`, newest first. */
export const AdminWorkspacesResponse = z.object({ workspaces: z.array(AdminWorkspace) });

/** `POST /api/admin/users/:id/approve|disable|enable`: the user as they now stand. */
export const AdminUserResponse = z.object({ user: AdminUser });

/** `GET /api/admin/community`: the public community's moderation, which is the operators'. */
export const AdminCommunityResponse = z.object({ moderation: ModerationView });

/** `POST /api/admin/community/moderate`: hide or unhide a note, ban or unban a pubkey (or a note's author). */
export const AdminModerateBody = z.object({
  action: ModerationActionName,
  eventId: NostrEventId.optional(),
  pubkey: NostrPubkey.optional(),
});
export const AdminModerateResponse = z.object({ changed: z.boolean(), moderation: ModerationView });

/** A workspace's approval figures as operators see them (null: its room could not be reached). */
export const AdminWorkspaceApprovals = z.object({ workspaceId: z.string(), figures: ApprovalFigures.nullable() });
export type AdminWorkspaceApprovals = z.infer<typeof AdminWorkspaceApprovals>;

/** `GET /api/admin/approvals?workspace=<id>&…`: how each workspace's approvals reached people. */
export const AdminApprovalsResponse = z.object({ workspaces: z.array(AdminWorkspaceApprovals) });
