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
