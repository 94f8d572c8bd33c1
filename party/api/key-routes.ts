import { Hono } from "hono";
import type { z } from "zod";
import {
  CreateKeyBody,
  type CreatedKeyResponse,
  type KeysResponse,
  type RotatedKeyResponse,
} from "../../shared/api/keys";
import { revalidateWorkspace } from "../access/revalidate";
import { cancelAgentInvitationsBy } from "../auth/agent-invitations";
import { agentAccountOf } from "../auth/agent-signup";
import { apiKeyById, apiKeysOf } from "../auth/better-auth-reads";
import { agentPrincipalId, keyAccount, keyScopes } from "../auth/current-access";
import { timeText } from "../auth/d1-time";
import { deleteKeySessionsOf } from "../auth/key-sessions";
import { identitiesOf } from "../auth/nostr-identities";
import { withdrawAttestations } from "../rooms/relay/community/publish";
import { deleteKey } from "./access-writes";
import { betterAuthRefusal } from "./better-auth-errors";
import { actorOf, managesWorkspace } from "./caller";
import { type ApiContext, type ApiEnv, authOf, jsonBody } from "./context";
import { httpError } from "./context";

type MintedKey = { id: string; key: string; name: string | null; start: string | null };

/**
 * A new key of the workspace for `userId`, or better-auth's refusal to send. Called without
 * request headers on purpose: the plugin then treats this as a server-side call and accepts
 * `userId` (whose org permission it still checks): the person, or for an admin key the
 * person (or agent account) whose permission it holds.
 */
async function mintKey(
  c: ApiContext,
  workspaceId: string,
  userId: string,
  name: string,
  metadata: Record<string, unknown>,
): Promise<MintedKey | Response> {
  try {
    return await authOf(c).api.createApiKey({ body: { name, organizationId: workspaceId, userId, metadata } });
  } catch (error) {
    return betterAuthRefusal(c, error);
  }
}

/** A key as its creator sees it: the one time its secret leaves the server (only its hash is stored). */
const shownOnce = <S>(created: MintedKey, scopes: S) => ({
  id: created.id,
  key: created.key,
  name: created.name,
  start: created.start,
  scopes,
});

/**
 * A workspace's API keys (its agents' credentials), for whoever manages the workspace:
 * list, create, revoke and rotate. A key that goes closes its sockets in both rooms and
 * ends its tab sessions and open invitations before the answer.
 */
export const keysApi = new Hono<ApiEnv>()
  .get("/api/workspaces/:ws/keys", managesWorkspace, async (c) => {
    const workspaceId = c.req.param("ws");
    const keys = (await apiKeysOf(authOf(c), workspaceId)).map((k) => ({
      id: k.id,
      name: k.name,
      start: k.start,
      scopes: keyScopes(k.metadata),
      createdAt: timeText(k.createdAt),
      lastUsedAt: k.lastRequest ? timeText(k.lastRequest) : null,
    }));
    return c.json({ keys } satisfies z.input<typeof KeysResponse>);
  })
  .post(
    "/api/workspaces/:ws/keys",
    jsonBody(CreateKeyBody, "expected {name (1-32 chars), scopes?: (read|write|approve|admin)[]}"),
    managesWorkspace,
    async (c) => {
      const workspaceId = c.req.param("ws");
      const { name, scopes } = c.req.valid("json");
      const userId = c.var.manager.issuer;
      if (!userId) return httpError(c, "forbidden", "this key was minted by nobody who can add keys: ask an owner");
      const account = await agentAccountOf(authOf(c), userId);
      const created = await mintKey(c, workspaceId, userId, name, {
        scopes,
        createdBy: userId,
        ...(account && { account }),
      });
      if (created instanceof Response) return created;
      await revalidateWorkspace(c.env, workspaceId, {
        reason: "key created",
        audit: {
          actor: actorOf(c),
          action: "key.created",
          targetId: created.id,
          details: { name, scopes: scopes ?? null },
        },
      });
      // The raw key leaves the server exactly once, in this response; only its hash is stored.
      return c.json(shownOnce(created, scopes) satisfies CreatedKeyResponse, 201);
    },
  )
  .delete("/api/workspaces/:ws/keys/:keyId", managesWorkspace, async (c) => {
    const workspaceId = c.req.param("ws");
    const keyId = c.req.param("keyId");
    const owner = await apiKeyById(authOf(c), keyId);
    if (!owner || owner.referenceId !== workspaceId) return httpError(c, "not_found", "no such key in this workspace");
    // Its Nostr pubkeys, read before the key goes: the workspace withdraws its attestations.
    const pubkeys = (await identitiesOf(c.env.DB, agentPrincipalId(keyId))).map((identity) => identity.pubkey);
    await deleteKey(c, keyId);
    await deleteKeySessionsOf(c.env, keyId);
    await cancelAgentInvitationsBy(c.env, agentPrincipalId(keyId));
    // Sockets opened with the key stay authenticated until told otherwise: both rooms close them now.
    await revalidateWorkspace(c.env, workspaceId, {
      reason: "API key revoked",
      audit: { actor: actorOf(c), action: "key.revoked", targetId: keyId, details: { name: owner.name ?? null } },
    });
    await withdrawAttestations(c.env, workspaceId, pubkeys).catch((error: unknown) =>
      console.error(JSON.stringify({ msg: "attestation withdrawal failed", error: String(error) })),
    );
    return c.json({ revoked: keyId });
  })
  .post("/api/workspaces/:ws/keys/:keyId/rotate", managesWorkspace, async (c) => {
    const workspaceId = c.req.param("ws");
    const keyId = c.req.param("keyId");
    const old = await apiKeyById(authOf(c), keyId);
    if (!old || old.referenceId !== workspaceId) return httpError(c, "not_found", "no such key in this workspace");
    const scopes = keyScopes(old.metadata);
    const userId = c.var.manager.issuer;
    if (!userId) return httpError(c, "forbidden", "this key was minted by nobody who can add keys: ask an owner");
    // A secret cannot be replaced in place: a new key takes the name and scopes, then the
    // old one is deleted, so it stops working before this answers.
    const account = await agentAccountOf(authOf(c), userId, keyAccount(old.metadata));
    const created = await mintKey(c, workspaceId, userId, old.name ?? "agent", {
      scopes,
      createdBy: userId,
      rotatedFrom: keyId,
      ...(account && { account }),
    });
    if (created instanceof Response) return created;
    await deleteKey(c, keyId);
    await deleteKeySessionsOf(c.env, keyId);
    await cancelAgentInvitationsBy(c.env, agentPrincipalId(keyId));
    // The old key's sockets close in both rooms; the audit names both keys.
    await revalidateWorkspace(c.env, workspaceId, {
      reason: "API key rotated",
      audit: {
        actor: actorOf(c),
        action: "key.rotated",
        targetId: keyId,
        details: { name: old.name ?? null, replacedBy: created.id },
      },
    });
    return c.json({ ...shownOnce(created, scopes), replaced: keyId } satisfies RotatedKeyResponse, 201);
  });
