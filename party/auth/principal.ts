import { type Principal, Role, Scope } from "../../shared/protocol/principal";
import { DEFAULT_AGENT_SCOPES, scopesForRole } from "../../shared/scopes";
import type { Env } from "../env";
import { accountStatusOf } from "./account-lookup";
import { ACCOUNT_REFUSAL, accountStatus } from "./account-status";
import type { Auth } from "./auth";
import { consumeTicket } from "./tickets";

export type AuthOutcome = { ok: true; principal: Principal } | { ok: false; status: 401 | 403; reason: string };

const unauthenticated = (reason: string): AuthOutcome => ({ ok: false, status: 401, reason });
const forbidden = (reason: string): AuthOutcome => ({ ok: false, status: 403, reason });

export async function memberRole(env: Env, workspaceId: string, userId: string): Promise<Role | null> {
  const row = await env.DB.prepare(`select "role" from "member" where "organizationId" = ? and "userId" = ?`).bind(workspaceId, userId).first<{ role: string }>();
  const parsed = Role.safeParse(row?.role);
  return parsed.success ? parsed.data : null;
}

export function agentScopes(metadata: unknown): Scope[] {
  const raw = (metadata as { scopes?: unknown } | null)?.scopes;
  const parsed = Scope.array().safeParse(raw);
  return parsed.success ? parsed.data : [...DEFAULT_AGENT_SCOPES];
}

/** A session cookie's principal in a workspace, or why not. */
export async function principalFromSession(env: Env, auth: Auth, headers: Headers, workspaceId: string): Promise<AuthOutcome> {
  const session = await auth.api.getSession({ headers });
  if (!session) return unauthenticated("no valid session");
  const status = accountStatus(session.user);
  if (status !== "active") return forbidden(ACCOUNT_REFUSAL[status]);
  const role = await memberRole(env, workspaceId, session.user.id);
  if (!role) return forbidden("not a member of this workspace");
  return {
    ok: true,
    principal: { id: session.user.id, kind: "user", name: session.user.name || session.user.email, role, scopes: scopesForRole(role) },
  };
}

/** An API key's principal; a key belongs to exactly one workspace. */
export async function principalFromApiKey(auth: Auth, key: string, workspaceId: string): Promise<AuthOutcome> {
  const result = await auth.api.verifyApiKey({ body: { key } });
  if (!result.valid || !result.key) return unauthenticated("invalid or revoked API key");
  if (result.key.referenceId !== workspaceId) return forbidden("this key belongs to another workspace");
  return {
    ok: true,
    principal: { id: `agent_${result.key.id}`, kind: "agent", name: result.key.name ?? "agent", scopes: agentScopes(result.key.metadata) },
  };
}

/**
 * Resolves who is opening a room socket, before the room sees the request.
 * Order: API key header (agents), connect ticket (agents that cannot set headers),
 * session cookie (people).
 */
export async function resolveSocketPrincipal(env: Env, auth: Auth, request: Request, workspaceId: string): Promise<AuthOutcome> {
  const key = request.headers.get("x-api-key");
  if (key) return principalFromApiKey(auth, key, workspaceId);
  const ticket = new URL(request.url).searchParams.get("ticket");
  if (ticket) {
    const claimed = await consumeTicket(env, ticket);
    if (!claimed) return unauthenticated("invalid, used or expired connect ticket");
    if (claimed.workspaceId !== workspaceId) return forbidden("ticket is for another workspace");
    // A person's ticket carries who they were when it was minted: check they still may.
    if (claimed.principal.kind === "user") {
      const status = await accountStatusOf(env, claimed.principal.id);
      if (status === null) return unauthenticated("this account no longer exists");
      if (status !== "active") return forbidden(ACCOUNT_REFUSAL[status]);
    }
    return { ok: true, principal: claimed.principal };
  }
  return principalFromSession(env, auth, request.headers, workspaceId);
}
