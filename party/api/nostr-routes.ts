import { Hono } from "hono";
import * as nip98 from "nostr-tools/nip98";
import { z } from "zod";
import {
  identitiesOf,
  MAX_IDENTITIES_PER_PRINCIPAL,
  type NostrIdentity,
  registerIdentity,
  removeIdentity,
} from "../auth/nostr-identities";
import { knownAuthors } from "../auth/nostr-attribution";
import type { CommunityName } from "../../shared/protocol/community";
import { attestAgent, relayOf } from "../rooms/relay/community/publish";
import { PUBLIC_COMMUNITY, workspaceCommunity } from "../rooms/relay/community";
import { principalIn } from "./caller";
import { type ApiContext, type ApiEnv, httpError, jsonBody } from "./context";

/**
 * Nostr identities over HTTP (docs/community.md, "Identities"): a person or an agent key
 * registers a pubkey it holds, proving it with a NIP-98 HTTP-auth event signed by that
 * pubkey over this very request (URL, method and the body's hash), so that the workspace's
 * community on the relay knows the key at NIP-42 AUTH. Who is calling is proven as for a
 * connect ticket: an agent key (`x-api-key`), the app signed in with a key, or a person's
 * session; always for one workspace they belong to.
 */

const HEX64 = /^[0-9a-f]{64}$/;
const RegisterBody = z.object({ workspaceId: z.string().min(1).max(200) });
const WorkspaceQuery = z.object({ workspaceId: z.string().min(1).max(200) });

const view = (identity: NostrIdentity) => ({
  pubkey: identity.pubkey,
  kind: identity.principalKind,
  workspaceId: identity.workspaceId,
  custody: identity.custody,
  createdAt: new Date(identity.createdAt).toISOString(),
});

/** The pubkey a NIP-98 `Authorization: Nostr <base64 event>` header proves for this request, or why not. */
async function provenPubkey(c: ApiContext, body: unknown): Promise<string | Response> {
  const header = c.req.header("authorization") ?? "";
  if (!header.startsWith("Nostr "))
    return httpError(c, "unauthenticated", "send a NIP-98 event signed by the pubkey: Authorization: Nostr <base64>");
  try {
    const event = await nip98.unpackEventFromToken(header);
    // NIP-98 over this request: kind 27235, within a minute, this URL and method, and the body's hash.
    await nip98.validateEvent(event, c.req.url, c.req.method, body);
    if (!event.tags.some((tag) => tag[0] === "payload"))
      return httpError(c, "unauthenticated", "the NIP-98 event must carry the body's hash (payload tag)");
    return event.pubkey;
  } catch (error) {
    return httpError(
      c,
      "unauthenticated",
      `the NIP-98 event does not prove the key: ${(error as Error).message}`.slice(0, 200),
    );
  }
}

/**
 * A ban holds for the person or agent key behind a pubkey (docs/community.md, "Moderation"):
 * the communities that ban this principal ban the key just registered with it. The public
 * one and the workspace named are told here; any other workspace's community bans it when it
 * authenticates there. Where it is banned, or the refusal to send (the key is not kept).
 */
async function bansOf(
  c: ApiContext,
  principalId: string,
  pubkey: string,
  workspaceId: string,
): Promise<CommunityName[] | Response> {
  const communities = [
    { name: "public" as const, community: PUBLIC_COMMUNITY },
    { name: "workspace" as const, community: workspaceCommunity(workspaceId) },
  ];
  try {
    const told = await Promise.all(
      communities.map(({ community }) => relayOf(c.env, community).keyRegistered(principalId, pubkey)),
    );
    return communities.filter((_, i) => told[i]!.banned).map(({ name }) => name);
  } catch (error) {
    console.error(JSON.stringify({ msg: "relay ban check failed", error: String(error) }));
    return httpError(c, "internal", "could not check the communities' bans for this key: try again");
  }
}

export const nostrApi = new Hono<ApiEnv>()
  .post("/api/nostr/identities", jsonBody(RegisterBody, "expected {workspaceId}"), async (c) => {
    const body = c.req.valid("json");
    const principal = await principalIn(c, body.workspaceId);
    if (principal instanceof Response) return principal;
    const pubkey = await provenPubkey(c, body);
    if (pubkey instanceof Response) return pubkey;
    if (!HEX64.test(pubkey)) return httpError(c, "bad_request", "the pubkey is not 64 hex characters");
    const outcome = await registerIdentity(
      c.env.DB,
      {
        pubkey,
        principalId: principal.id,
        principalKind: principal.kind,
        workspaceId: body.workspaceId,
        custody: "own",
      },
      Date.now(),
    );
    if (outcome === "taken") return httpError(c, "conflict", "this pubkey is registered to someone else");
    if (outcome === "too_many")
      return httpError(c, "conflict", `at most ${MAX_IDENTITIES_PER_PRINCIPAL} pubkeys each: remove one first`);
    const bannedIn = await bansOf(c, principal.id, pubkey, body.workspaceId);
    if (bannedIn instanceof Response) {
      if (outcome === "registered") await removeIdentity(c.env.DB, principal.id, pubkey);
      return bannedIn;
    }
    const mine = await identitiesOf(c.env.DB, principal.id);
    const identity = mine.find((i) => i.pubkey === pubkey)!;
    // An agent's key is attested by its workspace's key in the workspace's community: any
    // Nostr client reads "agent of Acme, owned by Alice" signed by Acme (docs/community.md).
    if (principal.kind === "agent" && outcome === "registered") {
      const known = (await knownAuthors(c.env.DB, [pubkey])).get(pubkey);
      await attestAgent(c.env, body.workspaceId, workspaceCommunity(body.workspaceId), {
        pubkey,
        name: known?.name ?? principal.name,
        ownerName: known?.owner?.name ?? null,
      }).catch((error: unknown) =>
        console.error(JSON.stringify({ msg: "agent attestation failed", error: String(error) })),
      );
    }
    return c.json({ identity: view(identity), bannedIn }, outcome === "registered" ? 201 : 200);
  })
  .get("/api/nostr/identities", async (c) => {
    const query = WorkspaceQuery.safeParse(c.req.query());
    if (!query.success) return httpError(c, "bad_request", "expected ?workspaceId=");
    const principal = await principalIn(c, query.data.workspaceId);
    if (principal instanceof Response) return principal;
    return c.json({ identities: (await identitiesOf(c.env.DB, principal.id)).map(view) });
  })
  .delete("/api/nostr/identities/:pubkey", async (c) => {
    const query = WorkspaceQuery.safeParse(c.req.query());
    if (!query.success) return httpError(c, "bad_request", "expected ?workspaceId=");
    const principal = await principalIn(c, query.data.workspaceId);
    if (principal instanceof Response) return principal;
    const pubkey = c.req.param("pubkey");
    if (!(await removeIdentity(c.env.DB, principal.id, pubkey)))
      return httpError(c, "not_found", "no such pubkey of yours");
    // Its sockets in this workspace's community lose what it authenticated at once (others within minutes).
    const { workspaceId } = query.data;
    await c.env.NostrRelay.getByName(workspaceCommunity(workspaceId).name)
      .accessChanged(workspaceId)
      .catch((error: unknown) =>
        console.error(JSON.stringify({ msg: "relay revalidation failed", error: String(error) })),
      );
    return c.json({ removed: pubkey });
  });
