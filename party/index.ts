// Import order matters: better-auth (via ./auth/auth) must be evaluated before `agents`.
// The other way round wrangler dev dies at start with "TypeError: ZodLazy is not a
// constructor".
import { decisionLinkRoute } from "./api/decision-links";
import { devClockRoute } from "./api/dev-clock";
import { authFor } from "./auth/auth";
import { ROOM_FEATURES } from "./rooms/autopilot/features";
import { offeredBy } from "./rooms/autopilot/kernel/feature";
import { api } from "./api/routes";
import { mcpRoute } from "./access/mcp-gate";
import { filesRoute } from "./files/routes";
import { deviceEntryRoute } from "./api/device-entry";
import { routeAgentRequest } from "agents/routing";
import { CAPNWEB_TRANSPORT_QUERY } from "agents/websockets";
import { routePartykitRequest } from "partyserver";
import { crossSiteRefusal } from "./auth/origin";
import { internalError } from "./api/context";
import { CloseCode } from "../shared/protocol/errors";
import { protocolRefusal } from "../shared/protocol/version";
import { protocolWindowOf } from "./rooms/shared/protocol-window";
import { resolveSocketPrincipal } from "./auth/principal";
import { deleteExpiredTickets } from "./auth/tickets";
import { deleteExpiredKeySessions } from "./auth/key-sessions";
import type { Env } from "./env";
import { encodePrincipalHeader, PRINCIPAL_HEADER } from "./rooms/shared/principal-header";
import { parseRoomPath } from "./room-path";
import { deliveryName, deliveryObjects } from "./rooms/shared/delivery-link";
import { relayRoute } from "./rooms/relay/entry";
import { skillRoute } from "./skill/serve";
import { featureRoutes, type WorkerRoute, under } from "./worker-route";

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
    const refused = protocolRefusal(url.searchParams.get("protocol"), protocolWindowOf(env, Date.now()));
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

/**
 * The Worker's routes, each declared by the module that answers it with its own checks, in the
 * order they are tried (the first whose paths match answers); what none matches is the app's
 * assets.
 */
const ROUTES: readonly WorkerRoute[] = [
  // The features' own (their webhooks), before the API whose paths may hold theirs.
  ...featureRoutes(offeredBy(ROOM_FEATURES)),
  // The tests' clock (DEV_TEST_CLOCK=1 only), before the API whose /api/dev/ paths want a session.
  devClockRoute,
  { name: "api", matches: under("/api/"), handle: (request, env, ctx) => api.fetch(request, env, ctx) },
  decisionLinkRoute,
  {
    name: "rooms",
    matches: (pathname) => pathname.startsWith("/agents/") || pathname.startsWith("/parties/"),
    handle: handleRoom,
  },
  filesRoute,
  deviceEntryRoute,
  mcpRoute,
  relayRoute,
  skillRoute,
  { name: "client files", matches: (pathname) => CLIENT_FILES.has(pathname), handle: clientFile },
];

export default {
  async fetch(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
    const { pathname } = new URL(request.url);
    try {
      const route = ROUTES.find((r) => r.matches(pathname));
      if (!route) return env.ASSETS.fetch(request);
      const auth = () => authFor(env, request, (promise) => ctx.waitUntil(promise));
      return await route.handle(request, env, ctx, auth);
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
