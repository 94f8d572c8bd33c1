import { and, desc, eq, gt, isNull } from "drizzle-orm";
import { Scope } from "../../shared/protocol/principal";
import type { Env } from "../env";
import { authDb } from "./db/client";
import { agentInvitation } from "./db/schema";
import { randomToken, sha256Hex } from "./tokens";

/**
 * An invitation for an agent to join a workspace: a manager mints one (`POST
 * /api/workspaces/:ws/agent-invitations`) and hands its token to the agent, which
 * redeems it at `POST /api/agent/signup` for a key of its own with the invitation's
 * scopes. E-mail invitations do not fit agents (no mailbox to prove); this one is
 * single-use and short-lived, and the key it yields is never seen by the person.
 */

/** As long as better-auth keeps an e-mail invitation open. */
export const AGENT_INVITATION_TTL_MS = 48 * 3600 * 1000;

export const INVITATION_PREFIX = "ap_inv_";

export interface AgentInvitationRow {
  id: string;
  workspaceId: string;
  scopes: Scope[];
  createdBy: string;
  issuer: string;
  createdAt: number;
  expiresAt: number;
}

const scopesOf = (stored: string): Scope[] => {
  try {
    const parsed = Scope.array().safeParse(JSON.parse(stored));
    return parsed.success ? parsed.data : [];
  } catch {
    return [];
  }
};

export async function mintAgentInvitation(
  env: Env,
  invitation: { workspaceId: string; scopes: Scope[]; createdBy: string; issuer: string },
): Promise<{ id: string; token: string; expiresAt: number }> {
  const token = `${INVITATION_PREFIX}${randomToken()}`;
  const id = crypto.randomUUID();
  const now = Date.now();
  const expiresAt = now + AGENT_INVITATION_TTL_MS;
  await authDb(env.DB)
    .insert(agentInvitation)
    .values({
      id,
      hash: await sha256Hex(token),
      workspaceId: invitation.workspaceId,
      scopes: JSON.stringify(invitation.scopes),
      createdBy: invitation.createdBy,
      issuer: invitation.issuer,
      createdAt: now,
      expiresAt,
    })
    .run();
  return { id, token, expiresAt };
}

/** The workspace's invitations still open, newest first. */
export async function openAgentInvitations(env: Env, workspaceId: string): Promise<AgentInvitationRow[]> {
  const rows = await authDb(env.DB)
    .select()
    .from(agentInvitation)
    .where(
      and(
        eq(agentInvitation.workspaceId, workspaceId),
        isNull(agentInvitation.usedAt),
        gt(agentInvitation.expiresAt, Date.now()),
      ),
    )
    .orderBy(desc(agentInvitation.createdAt))
    .limit(100)
    .all();
  return rows.map((r) => ({ ...r, scopes: scopesOf(r.scopes) }));
}

export async function cancelAgentInvitation(env: Env, workspaceId: string, id: string): Promise<boolean> {
  const result = await authDb(env.DB)
    .delete(agentInvitation)
    .where(
      and(eq(agentInvitation.id, id), eq(agentInvitation.workspaceId, workspaceId), isNull(agentInvitation.usedAt)),
    )
    .run();
  return (result.meta.changes ?? 0) > 0;
}

/** A revoked or rotated key's open invitations go with it: what it minted does not outlive it. */
export async function cancelAgentInvitationsBy(env: Env, createdBy: string): Promise<void> {
  await authDb(env.DB)
    .delete(agentInvitation)
    .where(and(eq(agentInvitation.createdBy, createdBy), isNull(agentInvitation.usedAt)))
    .run();
}

/**
 * Claims an invitation for one redemption: the update-returning marks it used in one
 * statement, so two agents racing with the same token cannot both get a key.
 */
export async function claimAgentInvitation(env: Env, token: string): Promise<AgentInvitationRow | null> {
  if (!token.startsWith(INVITATION_PREFIX) || token.length > 200) return null;
  const now = Date.now();
  const row = await authDb(env.DB)
    .update(agentInvitation)
    .set({ usedAt: now })
    .where(
      and(
        eq(agentInvitation.hash, await sha256Hex(token)),
        isNull(agentInvitation.usedAt),
        gt(agentInvitation.expiresAt, now),
      ),
    )
    .returning()
    .get();
  return row ? { ...row, scopes: scopesOf(row.scopes) } : null;
}

/** Records the key an invitation became; or, when making the key failed, opens the invitation again. */
export async function settleAgentInvitation(env: Env, id: string, keyId: string | null): Promise<void> {
  await authDb(env.DB)
    .update(agentInvitation)
    .set(keyId ? { keyId } : { usedAt: null })
    .where(eq(agentInvitation.id, id))
    .run();
}
