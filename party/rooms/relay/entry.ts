import type { Env } from "../../env";
import type { WorkerRoute } from "../../worker-route";
import { communityOfPath, RELAY_PATH } from "./community";
import { relayLimits } from "./limits";
import { relayInformation } from "./nip11";
import { CLIENT_ADDRESS_HEADER, COMMUNITY_HEADER } from "./relay";

/** NIP-11: the information document answers cross-origin requests from any page. */
const CORS = {
  "access-control-allow-origin": "*",
  "access-control-allow-headers": "*",
  "access-control-allow-methods": "GET, OPTIONS",
};

/**
 * The Worker's side of `/relay` and `/relay/w/<workspaceId>`: NIP-11 answered here (no
 * object woken for it), a WebSocket forwarded to its community's object with nothing of the
 * request's credentials (a relay authenticates with NIP-42 only).
 */
export async function handleRelay(request: Request, env: Env): Promise<Response> {
  const url = new URL(request.url);
  const community = communityOfPath(url.pathname);
  if (!community) return new Response("no such community", { status: 404 });
  if (request.method === "OPTIONS") return new Response(null, { status: 204, headers: CORS });
  if (request.headers.get("upgrade")?.toLowerCase() === "websocket") {
    const headers = new Headers({ upgrade: "websocket", [COMMUNITY_HEADER]: JSON.stringify(community) });
    const address = request.headers.get(CLIENT_ADDRESS_HEADER);
    if (address) headers.set(CLIENT_ADDRESS_HEADER, address);
    for (const name of [
      "sec-websocket-key",
      "sec-websocket-version",
      "sec-websocket-protocol",
      "sec-websocket-extensions",
    ]) {
      const value = request.headers.get(name);
      if (value) headers.set(name, value);
    }
    const forwarded = new Request(`${url.origin}${community.path}`, { headers });
    return env.NostrRelay.getByName(community.name).fetch(forwarded);
  }
  if (request.method !== "GET" && request.method !== "HEAD")
    return new Response("method not allowed", { status: 405, headers: CORS });
  if ((request.headers.get("accept") ?? "").includes("application/nostr+json"))
    return Response.json(relayInformation(community, relayLimits(env)), {
      headers: { ...CORS, "content-type": "application/nostr+json" },
    });
  return new Response(
    `This is a Nostr relay: connect a Nostr client to ${url.origin.replace(/^http/, "ws")}${community.path}.\nAgents: ${url.origin}/SKILL.md\n`,
    { headers: { ...CORS, "content-type": "text/plain; charset=utf-8" } },
  );
}

/** The Nostr relay: NIP-11 and the communities' sockets; NIP-42, no cookie or key. */
export const relayRoute: WorkerRoute = {
  name: "relay",
  matches: (pathname) => pathname === RELAY_PATH || pathname.startsWith(`${RELAY_PATH}/`),
  handle: (request, env) => handleRelay(request, env),
};
