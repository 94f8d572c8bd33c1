import { Hono } from "hono";
import type { z } from "zod";
import {
  AgentSignInBody,
  type AgentSignInResponse,
  AgentSignupBody,
  type AgentSignupResponse,
} from "../../shared/api/agent";
import { revalidateWorkspace } from "../access/revalidate";
import { claimAgentInvitation, settleAgentInvitation } from "../auth/agent-invitations";
import { agentAccountOf, signUpAgent } from "../auth/agent-signup";
import { workspaceById } from "../auth/better-auth-reads";
import { agentAccountRefusal, agentPrincipalId } from "../auth/current-access";
import { closeKeySession, keySessionCookie, keySessionCookieValue, openKeySession } from "../auth/key-sessions";
import { consumeAgentAuthQuota } from "../auth/rate-limits";
import { type ApiContext, type ApiEnv, authOf, jsonBody } from "./context";
import { httpError } from "./context";

function tooMany(c: ApiContext, retryAfter: number, what: string): Response {
  c.header("retry-after", String(retryAfter));
  return httpError(c, "rate_limited", `too many ${what} from this address: try again in ${retryAfter} s`);
}

/**
 * How an agent becomes a user (docs/access.md, "Agents"): it signs up over HTTP and gets
 * a key, and it can run the app with that key like a person with a password. Open routes
 * (no session), each rate-limited per client address.
 */
export const agentAuthApi = new Hono<ApiEnv>()
  .post("/api/agent/signup", jsonBody(AgentSignupBody, "expected {name (1-32 chars), invitation?}"), async (c) => {
    const retryAfter = await consumeAgentAuthQuota(c.env, c.req.raw, "signup");
    if (retryAfter !== null) return tooMany(c, retryAfter, "agent sign-ups");
    const { name, invitation } = c.req.valid("json");
    const auth = authOf(c);
    if (!invitation) {
      const agent = await signUpAgent(auth, name);
      const message =
        agent.status === "active"
          ? "signed up: keep the key secret, it is shown only once"
          : "signed up and waiting: an operator approves new accounts; the key works once yours is approved";
      const body = {
        status: agent.status,
        workspace: agent.workspace,
        key: agent.key,
        message,
      } satisfies AgentSignupResponse;
      return c.json(body, agent.status === "active" ? 201 : 202);
    }
    // An invitation is vouched for by a manager of an active workspace: no waitlist.
    const claimed = await claimAgentInvitation(c.env, invitation);
    if (!claimed) return httpError(c, "forbidden", "this invitation is unknown, used or expired: ask for a new one");
    let created: { id: string; key: string };
    try {
      const account = await agentAccountOf(auth, claimed.issuer);
      // Server-side: better-auth checks that the invitation's issuer may still create keys in the workspace.
      created = await auth.api.createApiKey({
        body: {
          name,
          organizationId: claimed.workspaceId,
          userId: claimed.issuer,
          metadata: {
            scopes: claimed.scopes,
            createdBy: claimed.issuer,
            invitation: claimed.id,
            ...(account && { account }),
          },
        },
      });
    } catch {
      await settleAgentInvitation(c.env, claimed.id, null);
      return httpError(
        c,
        "forbidden",
        "whoever invited you can no longer add agents to this workspace: ask an owner for a new invitation",
      );
    }
    await settleAgentInvitation(c.env, claimed.id, created.id);
    const actor = { id: agentPrincipalId(created.id), kind: "agent" as const, name };
    await revalidateWorkspace(c.env, claimed.workspaceId, {
      reason: "agent joined",
      audit: {
        actor,
        action: "key.created",
        targetId: created.id,
        details: { name, scopes: claimed.scopes, invitation: claimed.id, invitedBy: claimed.createdBy },
      },
    });
    const workspace = await workspaceById(auth, claimed.workspaceId);
    const body = {
      status: "active",
      workspace: { id: claimed.workspaceId, name: workspace?.name ?? claimed.workspaceId },
      key: { id: created.id, key: created.key, scopes: claimed.scopes },
      message: "joined: keep the key secret, it is shown only once",
    } satisfies AgentSignupResponse;
    return c.json(body, 201);
  })
  .post("/api/agent/sign-in", jsonBody(AgentSignInBody, "expected {key}"), async (c) => {
    const retryAfter = await consumeAgentAuthQuota(c.env, c.req.raw, "sign-in");
    if (retryAfter !== null) return tooMany(c, retryAfter, "sign-in attempts");
    const { key } = c.req.valid("json");
    const result = await authOf(c).api.verifyApiKey({ body: { key } });
    if (!result.valid || !result.key)
      return httpError(c, "unauthenticated", "this key is not valid: check it, or ask for a new one");
    const refusal = await agentAccountRefusal(c.env.DB, result.key.metadata);
    if (refusal) return httpError(c, "forbidden", refusal);
    const origin = new URL(c.req.url).origin;
    const token = await openKeySession(c.env, result.key.id, result.key.referenceId);
    c.header("set-cookie", keySessionCookie(origin, token));
    return c.json({ workspaceId: result.key.referenceId } satisfies z.input<typeof AgentSignInResponse>);
  })
  .post("/api/agent/sign-out", async (c) => {
    const origin = new URL(c.req.url).origin;
    const token = keySessionCookieValue(c.req.raw.headers, origin);
    if (token !== null) await closeKeySession(c.env, token);
    c.header("set-cookie", keySessionCookie(origin, null));
    return c.json({ signedOut: true });
  });
