import { z } from "zod";
import { ERROR_WORDS, errorWords, plainMessage, showsInternals } from "../../../shared/plain-words";
import { AutopilotError } from "../../src/errors";
import { AccountStatusResponse, MeResponse } from "../../../shared/api/account";
import {
  type AccountStatus,
  AdminApprovalsResponse,
  AdminCommunityResponse,
  type AdminModerateBody,
  AdminModerateResponse,
  AdminUserResponse,
  AdminUsersResponse,
  AdminWorkspacesResponse,
} from "../../../shared/api/admin";
import {
  AdminBillingResponse,
  AdminGrantResponse,
  AdminPlanResponse,
  CheckoutResponse,
  ChoosePlanResponse,
  PortalResponse,
} from "../../../shared/api/billing";
import { DevMailResponse } from "../../../shared/api/dev-mail";
import {
  type AgentInvitationBody,
  AgentInvitationsResponse,
  AgentSignInResponse,
  CreatedAgentInvitation,
} from "../../../shared/api/agent";
import {
  InvitationDecisionResponse,
  InvitationPreview,
  InvitationResponse,
  type InviteBody,
  type JoinBody,
  JoinResponse,
  ReceivedInvitationsResponse,
  SentInvitationsResponse,
} from "../../../shared/api/invitations";
import {
  type CreateKeyBody,
  CreatedKeyResponse,
  KeysResponse,
  RevokedKeyResponse,
  RotatedKeyResponse,
} from "../../../shared/api/keys";
import {
  type AddMemberBody,
  AddMemberResponse,
  MembersResponse,
  RemovedMemberResponse,
  type UpdateMemberBody,
  UpdatedMemberResponse,
} from "../../../shared/api/members";

/**
 * The auth HTTP API: the only HTTP the app uses besides static files (docs/architecture.md: no REST
 * for app data). Every answer is checked against its schema in shared/api before use.
 * Errors come back as `{error:{code,message}}` (ours) or `{message, code?}` (better-auth);
 * both become an ApiError with a sentence a person can read.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export type { MeResponse as Me, WorkspaceInfo } from "../../../shared/api/account";
export type { AccountStatus, AdminUser, AdminWorkspace } from "../../../shared/api/admin";
export type { AgentKey } from "../../../shared/api/keys";
export type { Member } from "../../../shared/api/members";
export type { InvitationPreview, ReceivedInvitation, SentInvitation } from "../../../shared/api/invitations";
export type { DevMail } from "../../../shared/api/dev-mail";
export type { AgentInvitation } from "../../../shared/api/agent";
export type { AdminWorkspaceBilling } from "../../../shared/api/billing";

const ErrorBody = z.union([
  z.object({ error: z.object({ code: z.string(), message: z.string() }) }).transform((b) => b.error),
  z.object({ message: z.string(), code: z.string().optional() }),
]);

async function request<T extends z.ZodType>(
  path: string,
  schema: T,
  init: { method?: string; body?: unknown; signal?: AbortSignal } = {},
): Promise<z.infer<T>> {
  let res: Response;
  try {
    res = await fetch(path, {
      method: init.method ?? "GET",
      headers: { "content-type": "application/json" },
      credentials: "same-origin",
      ...(init.body !== undefined && { body: JSON.stringify(init.body) }),
      ...(init.signal && { signal: init.signal }),
    });
  } catch (error) {
    if (init.signal?.aborted) throw error;
    throw new ApiError(0, "network", "Cannot reach the server. Check your connection and try again.");
  }
  const body: unknown = await res.json().catch(() => null);
  if (!res.ok) {
    const error = ErrorBody.safeParse(body);
    const message = error.success ? error.data.message : `${res.status} ${res.statusText}`;
    if (res.status === 429) throw new ApiError(429, "rate_limited", tooMany(Number(res.headers.get("retry-after"))));
    throw new ApiError(res.status, (error.success && error.data.code) || String(res.status), readable(message));
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success)
    throw new ApiError(
      res.status,
      "invalid_response",
      "The server sent an answer this app does not understand. Reload the page and try again.",
    );
  return parsed.data;
}

const workspacePath = (workspaceId: string) => `/api/workspaces/${encodeURIComponent(workspaceId)}`;

/** better-auth's own answers are not used beyond success: the session cookie is what counts. */
const Accepted = z.unknown();

export const authApi = {
  me: () => request("/api/me", MeResponse),
  /** Long poll: answers when the account's status is no longer `current` (or after ~25 s with it unchanged). */
  statusChange: (current: AccountStatus, signal: AbortSignal) =>
    request(`/api/me/status?while=${current}`, AccountStatusResponse, { signal }),
  signIn: (body: { email: string; password: string }) =>
    request("/api/auth/sign-in/email", Accepted, { method: "POST", body }),
  signUp: (body: { name: string; email: string; password: string }) =>
    request("/api/auth/sign-up/email", Accepted, { method: "POST", body }),
  signOut: () => request("/api/auth/sign-out", Accepted, { method: "POST", body: {} }),
  /** An agent runs the app with its key: the server keeps an HttpOnly session tied to the key. */
  signInWithKey: (key: string) => request("/api/agent/sign-in", AgentSignInResponse, { method: "POST", body: { key } }),
  signOutKey: () => request("/api/agent/sign-out", Accepted, { method: "POST", body: {} }),
  agentInvitations: (workspaceId: string) =>
    request(`${workspacePath(workspaceId)}/agent-invitations`, AgentInvitationsResponse),
  inviteAgent: (workspaceId: string, body: AgentInvitationBody) =>
    request(`${workspacePath(workspaceId)}/agent-invitations`, CreatedAgentInvitation, { method: "POST", body }),
  cancelAgentInvitation: (workspaceId: string, id: string) =>
    request(`${workspacePath(workspaceId)}/agent-invitations/${encodeURIComponent(id)}`, Accepted, {
      method: "DELETE",
    }),
  members: (workspaceId: string) => request(`${workspacePath(workspaceId)}/members`, MembersResponse),
  addMember: (workspaceId: string, body: AddMemberBody) =>
    request(`${workspacePath(workspaceId)}/members`, AddMemberResponse, { method: "POST", body }),
  keys: (workspaceId: string) => request(`${workspacePath(workspaceId)}/keys`, KeysResponse),
  createKey: (workspaceId: string, body: CreateKeyBody) =>
    request(`${workspacePath(workspaceId)}/keys`, CreatedKeyResponse, { method: "POST", body }),
  revokeKey: (workspaceId: string, keyId: string) =>
    request(`${workspacePath(workspaceId)}/keys/${encodeURIComponent(keyId)}`, RevokedKeyResponse, {
      method: "DELETE",
    }),
  rotateKey: (workspaceId: string, keyId: string) =>
    request(`${workspacePath(workspaceId)}/keys/${encodeURIComponent(keyId)}/rotate`, RotatedKeyResponse, {
      method: "POST",
      body: {},
    }),
  setRole: (workspaceId: string, userId: string, body: UpdateMemberBody) =>
    request(`${workspacePath(workspaceId)}/members/${encodeURIComponent(userId)}`, UpdatedMemberResponse, {
      method: "PATCH",
      body,
    }),
  removeMember: (workspaceId: string, userId: string) =>
    request(`${workspacePath(workspaceId)}/members/${encodeURIComponent(userId)}`, RemovedMemberResponse, {
      method: "DELETE",
    }),
  invite: (workspaceId: string, body: InviteBody) =>
    request(`${workspacePath(workspaceId)}/invitations`, InvitationResponse, { method: "POST", body }),
  sentInvitations: (workspaceId: string) =>
    request(`${workspacePath(workspaceId)}/invitations`, SentInvitationsResponse),
  cancelInvitation: (workspaceId: string, id: string) =>
    request(`${workspacePath(workspaceId)}/invitations/${encodeURIComponent(id)}`, Accepted, { method: "DELETE" }),
  myInvitations: () => request("/api/invitations", ReceivedInvitationsResponse),
  /** `token`: the invitation mail's, which verifies the address of whoever accepts with it. */
  decideInvitation: (id: string, decision: "accept" | "decline", token?: string) =>
    request(`/api/invitations/${encodeURIComponent(id)}/${decision}`, InvitationDecisionResponse, {
      method: "POST",
      body: token === undefined ? {} : { token },
    }),
  /** What an invitation's landing page shows (signed in or not): its mail's token is needed. */
  invitationPreview: (id: string, token: string) =>
    request(`/api/invitations/${encodeURIComponent(id)}/preview?token=${encodeURIComponent(token)}`, InvitationPreview),
  /** A new account for the invited address, signed in and in the workspace. */
  joinInvitation: (id: string, body: JoinBody) =>
    request(`/api/invitations/${encodeURIComponent(id)}/join`, JoinResponse, { method: "POST", body }),
  sendVerification: (email: string) =>
    request("/api/auth/send-verification-email", Accepted, { method: "POST", body: { email, callbackURL: "/" } }),
  /** The dev mail outbox (local only): null where the server has none (production). */
  devMail: () =>
    request("/api/dev/mail", DevMailResponse).catch((error) =>
      error instanceof ApiError && error.status === 404 ? null : Promise.reject(error),
    ),
};

/** `/admin`'s API (operators only). */
export const adminApi = {
  users: () => request("/api/admin/users", AdminUsersResponse),
  workspaces: () => request("/api/admin/workspaces", AdminWorkspacesResponse),
  act: (userId: string, action: "approve" | "disable" | "enable") =>
    request(`/api/admin/users/${encodeURIComponent(userId)}/${action}`, AdminUserResponse, {
      method: "POST",
      body: {},
    }),
  /** Up to ADMIN_BILLING_BATCH workspaces' money at once. */
  billing: (workspaceIds: string[]) =>
    request(
      `/api/admin/billing?${workspaceIds.map((id) => `workspace=${encodeURIComponent(id)}`).join("&")}`,
      AdminBillingResponse,
    ),
  /** Up to ADMIN_BILLING_BATCH workspaces' approval figures at once. */
  approvals: (workspaceIds: string[]) =>
    request(
      `/api/admin/approvals?${workspaceIds.map((id) => `workspace=${encodeURIComponent(id)}`).join("&")}`,
      AdminApprovalsResponse,
    ),
  /** `requestId`: the same one again (a retry) is the same grant. */
  grant: (workspaceId: string, body: { credits: number; note: string; requestId: string }) =>
    request(`/api/admin/workspaces/${encodeURIComponent(workspaceId)}/credits`, AdminGrantResponse, {
      method: "POST",
      body,
    }),
  /** The public community's moderation queue, hidden notes and banned pubkeys. */
  community: () => request("/api/admin/community", AdminCommunityResponse),
  moderate: (body: z.input<typeof AdminModerateBody>) =>
    request("/api/admin/community/moderate", AdminModerateResponse, { method: "POST", body }),
  setPlan: (workspaceId: string, plan: string) =>
    request(`/api/admin/workspaces/${encodeURIComponent(workspaceId)}/plan`, AdminPlanResponse, {
      method: "POST",
      body: { plan },
    }),
};

/** Buying credits: Stripe's hosted checkout page for one of the operator's top-up options. */
export const billingApi = {
  checkout: (workspaceId: string, credits: number) =>
    request(`${workspacePath(workspaceId)}/billing/checkout`, CheckoutResponse, { method: "POST", body: { credits } }),
  choosePlan: (workspaceId: string, plan: string) =>
    request(`${workspacePath(workspaceId)}/billing/plan`, ChoosePlanResponse, { method: "POST", body: { plan } }),
  portal: (workspaceId: string) =>
    request(`${workspacePath(workspaceId)}/billing/portal`, PortalResponse, { method: "POST", body: {} }),
};
/** A rate-limit refusal (429), with the wait the server asked for when it said. */
function tooMany(retryAfterS: number): string {
  const wait =
    Number.isFinite(retryAfterS) && retryAfterS > 0
      ? ` Try again in ${retryAfterS} second${retryAfterS === 1 ? "" : "s"}.`
      : " Wait a minute and try again.";
  return `Too many attempts.${wait}`;
}

/** Server messages are lower-case fragments ("sign in first"); show them as sentences. */
function readable(message: string): string {
  const trimmed = message.trim();
  if (!trimmed) return "Something went wrong.";
  const sentence = trimmed[0]!.toUpperCase() + trimmed.slice(1);
  return /[.!?]$/.test(sentence) ? sentence : `${sentence}.`;
}

/**
 * What a refused request's params got wrong, without the method and the fields' paths: the
 * room's and the client's `invalid params[ for m]: a.b: issue; c: issue` say it in the
 * schema's words ("not a time zone this server knows (an IANA name such as Europe/Berlin)").
 */
function paramsIssues(message: string): string {
  const issues = /^invalid params(?: for \S+)?: (.*)$/s.exec(message)?.[1];
  if (issues === undefined) return message;
  return [...new Set(issues.split("; ").map((issue) => issue.replace(/^[\w.()]+: /, "")))].join("; ");
}

/**
 * An error as a person reads it (shared/plain-words.ts): a room's or the client's refusal by
 * its message when that is plain, else by what its code means, never a method's name, a
 * record id or a millisecond count ("chat.send got no response within 30000 ms").
 */
export function errorText(error: unknown): string {
  if (error instanceof AutopilotError)
    return errorWords(error.code, error.code === "bad_request" ? paramsIssues(error.message) : error.message);
  const message = error instanceof Error ? error.message : String(error);
  return showsInternals(plainMessage(message)) ? ERROR_WORDS.internal : plainMessage(message);
}
