import { Hono } from "hono";
import type { z } from "zod";
import {
  AgentInvitationBody,
  type AgentInvitationsResponse,
  type CreatedAgentInvitation,
} from "../../shared/api/agent";
import { cancelAgentInvitation, mintAgentInvitation, openAgentInvitations } from "../auth/agent-invitations";
import { actorOf, managesWorkspace } from "./caller";
import { type ApiEnv, jsonBody } from "./context";
import { httpError } from "./context";

/** Invitations for agents to join a workspace (party/auth/agent-invitations.ts): owners, admins and admin keys. */
export const agentInvitationApi = new Hono<ApiEnv>()
  .get("/api/workspaces/:ws/agent-invitations", managesWorkspace, async (c) => {
    const invitations = (await openAgentInvitations(c.env, c.req.param("ws"))).map(
      ({ id, scopes, createdBy, createdAt, expiresAt }) => ({ id, scopes, createdBy, createdAt, expiresAt }),
    );
    return c.json({ invitations } satisfies z.input<typeof AgentInvitationsResponse>);
  })
  .post(
    "/api/workspaces/:ws/agent-invitations",
    jsonBody(AgentInvitationBody, "expected {scopes?: (read|write|approve|admin)[]}"),
    managesWorkspace,
    async (c) => {
      const workspaceId = c.req.param("ws");
      const { manager } = c.var;
      if (!manager.issuer)
        return httpError(c, "forbidden", "this key was minted by nobody who can add agents: ask an owner");
      const { scopes } = c.req.valid("json");
      const minted = await mintAgentInvitation(c.env, {
        workspaceId,
        scopes,
        createdBy: actorOf(c).id,
        issuer: manager.issuer,
      });
      // The token leaves the server exactly once, in this response; only its hash is stored.
      return c.json({ ...minted, scopes } satisfies CreatedAgentInvitation, 201);
    },
  )
  .delete("/api/workspaces/:ws/agent-invitations/:id", managesWorkspace, async (c) => {
    const workspaceId = c.req.param("ws");
    if (!(await cancelAgentInvitation(c.env, workspaceId, c.req.param("id"))))
      return httpError(c, "not_found", "no such open invitation in this workspace");
    return c.json({ cancelled: c.req.param("id") });
  });
