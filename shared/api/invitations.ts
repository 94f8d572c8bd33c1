import { z } from "zod";
import { Role } from "../protocol/principal";

// D1 hands back whatever better-auth wrote for a date: an ISO string or epoch ms.
const DateValue = z.union([z.string(), z.number(), z.date().transform((d) => d.toISOString())]);

/** `POST /api/workspaces/:ws/invitations`: invite an address (account or not yet) with a role. */
export const InviteBody = z.object({ email: z.string().email(), role: Role.default("member") });
export type InviteBody = z.input<typeof InviteBody>;

/** A pending invitation as the workspace's owners and admins see it. */
export const SentInvitation = z.object({ id: z.string(), email: z.string(), role: Role, expiresAt: DateValue });
export type SentInvitation = z.infer<typeof SentInvitation>;
export const InvitationResponse = z.object({ invitation: SentInvitation });
/** `GET /api/workspaces/:ws/invitations`: pending ones. */
export const SentInvitationsResponse = z.object({ invitations: z.array(SentInvitation) });

/** A pending invitation as its recipient sees it (`GET /api/invitations`; verified address only). */
export const ReceivedInvitation = z.object({
  id: z.string(),
  workspaceId: z.string(),
  workspaceName: z.string(),
  role: Role,
  expiresAt: DateValue,
});
export type ReceivedInvitation = z.infer<typeof ReceivedInvitation>;
export const ReceivedInvitationsResponse = z.object({ invitations: z.array(ReceivedInvitation) });

/** `POST /api/invitations/:id/accept` and `…/decline` */
export const InvitationDecisionResponse = z.object({
  id: z.string(),
  status: z.enum(["accepted", "rejected"]),
  workspaceId: z.string(),
});

/** Why an invitation can no longer be taken; `pending` when it can. */
export const InvitationState = z.enum(["pending", "accepted", "declined", "cancelled", "expired"]);
export type InvitationState = z.infer<typeof InvitationState>;

/**
 * `GET /api/invitations/:id/preview?token=`: what the invitation's landing page shows, to
 * whoever holds its mail's link (the token), signed in or not.
 */
export const InvitationPreview = z.object({
  id: z.string(),
  workspaceId: z.string(),
  workspaceName: z.string(),
  inviterName: z.string(),
  role: Role,
  /** The invited address: an account joins with it. */
  email: z.string(),
  expiresAt: DateValue,
  state: InvitationState,
  /** An account with that address exists: its owner signs in to join, rather than signing up. */
  hasAccount: z.boolean(),
});
export type InvitationPreview = z.infer<typeof InvitationPreview>;

/** `POST /api/invitations/:id/join`: a new account for the invited address, straight into the workspace. */
export const JoinBody = z.object({
  token: z.string().min(1).max(100),
  name: z.string().trim().min(1).max(80),
  password: z.string().min(1).max(256),
});
export type JoinBody = z.infer<typeof JoinBody>;
export const JoinResponse = z.object({ workspaceId: z.string() });

/** `POST /api/invitations/:id/accept` and `…/decline`'s body: the mail's token, which verifies the address of whoever decides. */
export const AcceptBody = z.object({ token: z.string().min(1).max(100).optional() });
