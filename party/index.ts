// Import order matters: better-auth (via ./auth/auth) must be evaluated before `agents`.
// The other way round wrangler dev dies at start with "TypeError: ZodLazy is not a
// constructor".
import { decisionLinkApi } from "./api/decision-links";
import { chatWebhookApi } from "./api/chat-webhooks";
import { CHATS_PREFIX } from "./rooms/autopilot/features/chats";
import { DECIDE_PREFIX } from "./rooms/autopilot/features/decision-links";
import { authFor } from "./auth/auth";
import { api } from "./api/routes";
import { handleMcp } from "./access/mcp-gate";
import { handleFiles } from "./files/routes";
import { DEVICE_ENTRY_PREFIX, handleDeviceEntry } from "./api/device-entry";
import { routeAgentRequest } from "agents/routing";
import { CAPNWEB_TRANSPORT_QUERY } from "agents/websockets";
import { routePartykitRequest } from "partyserver";
import { crossSiteRefusal } from "./auth/origin";
import { internalError } from "./api/context";
import { CloseCode } from "../shared/protocol/errors";
import { parseRetirements, protocolRefusal, protocolWindow } from "../shared/protocol/version";
import { resolveSocketPrincipal } from "./auth/principal";
import { deleteExpiredTickets } from "./auth/tickets";
import { deleteExpiredKeySessions } from "./auth/key-sessions";
import type { Env } from "./env";
import { encodePrincipalHeader, PRINCIPAL_HEADER } from "./rooms/shared/principal-header";
import { parseRoomPath } from "./room-path";
import { deliveryName, deliveryObjects } from "./rooms/shared/delivery-link";
import { RELAY_PATH } from "./rooms/relay/community";
import { handleRelay } from "./rooms/relay/entry";
import { serveSkill, SKILL_PATH } from "./skill/serve";

export { Autopilot } from "./rooms/autopilot/room";
export { Hatchery } from "./rooms/hatchery/room";
export { NostrRelay } from "./rooms/relay/relay";
export { Delivery } from "./rooms/delivery/delivery";

/**
 * Refuse a socket with an application close code. A plain HTTP 401 would reach a browser
 * as an anonymous close 1006; accepting and closing tells the client exactly why.
 */
function refuseSocket(code: number, reason: string): Response {
  const pair = new WebSocketPair();
  const server = pair[1];
  server.accept();
  server.close(code, reason);
  return new Response(null, { status: 101, webSocket: pair[0] });
}

async function handleRoom(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
  const url = new URL(request.url);
  const path = parseRoomPath(url.pathname);
  if (!path.ok && path.reason === "not_found") return new Response("not found", { status: 404 });
  // No REST for app data: the room is reachable only as a socket.
  if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
    return new Response("expected a WebSocket upgrade", { status: 426 });
  }
  if (!path.ok) return refuseSocket(CloseCode.forbidden, "workspace id is not in its canonical form");
  const { room, workspaceId } = path;
  // A version the Autopilot does not speak today is refused here, from this request: a socket
  // the room closed as it connected kept its TCP connection until the room went idle, so the
  // client heard the reason only then.
  if (room === "agents/autopilot") {
    const announced = parseRetirements(env.PROTOCOL_RETIREMENTS);
    const refused = protocolRefusal(url.searchParams.get("protocol"), protocolWindow(Date.now(), { announced }));
    if (refused !== null) return refuseSocket(CloseCode.protocolUnsupported, refused);
  }
  // A socket that will ride on the session cookie must come from the app's own pages.
  const crossSite = url.searchParams.has("ticket") ? null : crossSiteRefusal(env, request);
  if (crossSite) return refuseSocket(CloseCode.forbidden, crossSite);
  const auth = () => authFor(env, request, (promise) => ctx.waitUntil(promise));
  const outcome = await resolveSocketPrincipal(env, auth, request, workspaceId);
  if (!outcome.ok)
    return refuseSocket(outcome.status === 401 ? CloseCode.unauthenticated : CloseCode.forbidden, outcome.reason);

  // Rebuild the request so nothing client-supplied can pose as the principal header, and
  // neither the key nor the (spent) ticket travels further.
  url.searchParams.delete("ticket");
  // partyserver takes a connection's id from `_pk` when given: a client could pick another
  // socket's id (partysocket sends one of its own). The room assigns every id itself.
  url.searchParams.delete("_pk");
  // The agents lifecycle would make a socket that asks for the Cap'n Web transport an
  // in-memory session (it never hibernates and pins the room): our clients use hibernating
  // sockets only.
  url.searchParams.delete(CAPNWEB_TRANSPORT_QUERY);
  const headers = new Headers(request.headers);
  headers.delete("x-api-key");
  headers.set(PRINCIPAL_HEADER, encodePrincipalHeader(outcome.principal));
  const forwarded = new Request(url.toString(), { method: request.method, headers });
  // With the fan-out tier on, one of the workspace's delivery objects holds the socket for its room (docs/scale.md).
  const tiers = room === "agents/autopilot" ? deliveryObjects(env) : 0;
  if (tiers > 0) {
    const tier = crypto.getRandomValues(new Uint32Array(1))[0]! % tiers;
    return env.Delivery.getByName(deliveryName(workspaceId, tier)).fetch(forwarded);
  }
  const routed =
    room === "agents/autopilot"
      ? await routeAgentRequest(forwarded, env)
      : await routePartykitRequest(forwarded, env as never);
  return routed ?? new Response("not found", { status: 404 });
}

/** The client's files (client/build.mjs), fetched by name by installers and pages. */
const CLIENT_FILES = new Set(["/autopilot-client.tgz", "/autopilot-client.mjs"]);

/**
 * wrangler.toml's single-page fallback answers a path with no file with the app's page (200,
 * text/html); for the client's files that would hand `npm install <server>/autopilot-client.tgz`
 * an HTML page, so a missing one is a 404.
 */
async function clientFile(request: Request, env: Env): Promise<Response> {
  const asset = await env.ASSETS.fetch(request);
  if (asset.headers.get("content-type")?.startsWith("text/html")) return new Response("not found", { status: 404 });
  return asset;
}

export default {
  async fetch(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
    const { pathname } = new URL(request.url);
    try {
      if (pathname.startsWith("/api/")) return await api.fetch(request, env, ctx);
      if (pathname.startsWith(`${DECIDE_PREFIX}/`)) return await decisionLinkApi.fetch(request, env, ctx);
      // Chat platforms' webhooks: no session, believed by the secret the room gave the platform (api/chat-webhooks.ts).
      if (pathname.startsWith(`${CHATS_PREFIX}/`)) return await chatWebhookApi.fetch(request, env, ctx);
      if (pathname.startsWith("/agents/") || pathname.startsWith("/parties/"))
        return await handleRoom(request, env, ctx);
      if (pathname.startsWith("/files/"))
        return await handleFiles(request, env, () => authFor(env, request, (promise) => ctx.waitUntil(promise)));
      // Devices and nodes: no cookie or key, the gateway's own pairing (party/api/device-entry.ts).
      if (pathname.startsWith(DEVICE_ENTRY_PREFIX)) return await handleDeviceEntry(request, env);
      if (pathname.startsWith("/mcp/"))
        return await handleMcp(request, env, () => authFor(env, request, (promise) => ctx.waitUntil(promise)));
      // The Nostr relay (party/rooms/relay/): NIP-11 and the communities' sockets; NIP-42, no cookie or key.
      if (pathname === RELAY_PATH || pathname.startsWith(`${RELAY_PATH}/`)) return await handleRelay(request, env);
      if (pathname === SKILL_PATH) return serveSkill(request);
      if (CLIENT_FILES.has(pathname)) return await clientFile(request, env);
      return env.ASSETS.fetch(request);
    } catch (error) {
      return internalError(pathname, error);
    }
  },
  /** The cron (wrangler.toml `[triggers]`): retention of the D1 rows no room owns. */
  async scheduled(_controller: ScheduledController, env: Env): Promise<void> {
    await deleteExpiredTickets(env, Date.now());
    await deleteExpiredKeySessions(env, Date.now());
  },
} satisfies ExportedHandler<Env>;
