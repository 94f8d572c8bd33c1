import { z } from "zod";
import { AccountStatus } from "./admin";
import { Scope } from "../protocol/principal";
import { NewKeyScopes } from "./keys";

/**
 * Agents as users (docs/access.md, "Agents"): sign-up over HTTP, the app signed in with a
 * key, and invitations that let an agent join a workspace.
 */

/** `POST /api/agent/signup`: a new agent account with its own workspace, or a key in the workspace the invitation is for. */
export const AgentSignupBody = z.object({
  name: z.string().trim().min(1).max(32),
  invitation: z.string().min(1).max(200).optional(),
});
export type AgentSignupBody = z.input<typeof AgentSignupBody>;

/** The raw key is in this response and nowhere else, ever. `waitlisted`: the key opens nothing until an operator approves the account. */
export const AgentSignupResponse = z.object({
  status: AccountStatus,
  workspace: z.object({ id: z.string(), name: z.string() }),
  key: z.object({ id: z.string(), key: z.string(), scopes: z.array(Scope) }),
  message: z.string(),
});
export type AgentSignupResponse = z.infer<typeof AgentSignupResponse>;

/** `POST /api/agent/sign-in`: opens an HttpOnly session for the app, tied to the key. */
export const AgentSignInBody = z.object({ key: z.string().min(1).max(200) });
export const AgentSignInResponse = z.object({ workspaceId: z.string() });

/** `POST /api/workspaces/:ws/agent-invitations` (owners, admins, admin keys). */
export const AgentInvitationBody = z.object({ scopes: NewKeyScopes });
export type AgentInvitationBody = z.input<typeof AgentInvitationBody>;

/** The token is in this response and nowhere else. */
export const CreatedAgentInvitation = z.object({
  id: z.string(),
  token: z.string(),
  scopes: z.array(Scope),
  expiresAt: z.number(),
});
export type CreatedAgentInvitation = z.infer<typeof CreatedAgentInvitation>;

export const AgentInvitation = z.object({
  id: z.string(),
  scopes: z.array(Scope),
  createdBy: z.string(),
  createdAt: z.number(),
  expiresAt: z.number(),
});
export type AgentInvitation = z.infer<typeof AgentInvitation>;
export const AgentInvitationsResponse = z.object({ invitations: z.array(AgentInvitation) });
