// The Worker's side of the MCP endpoint, `/mcp/<workspaceId>` (docs/mcp.md): every request
// is authenticated with an agent's API key, read fresh from D1 like a socket upgrade, so a
// revoked key or a workspace it no longer belongs to stops at the next request; the
// workspace's Autopilot room holds the sessions (party/rooms/autopilot/features/mcp/).
import { type WorkerRoute, under } from "../worker-route";
import { routeAgentRequest } from "agents/routing";
import type { Auth } from "../auth/auth";
import { principalFromApiKey } from "../auth/principal";
import type { Env } from "../env";
import { canonicalId } from "../room-path";
import { encodePrincipalHeader, PRINCIPAL_HEADER } from "../rooms/shared/principal-header";
import { rebindingRefusal } from "../auth/origin";

const MCP_PATH = /^\/mcp\/([^/?#]+)\/?$/;

const refuse = (status: number, message: string, headers: Record<string, string> = {}) =>
  Response.json({ jsonrpc: "2.0", error: { code: -32000, message }, id: null }, { status, headers });

/** The key a request carries: `Authorization: Bearer <key>` (what MCP clients send), or `x-api-key` as on the socket. */
export function requestKey(headers: Headers): string | null {
  const bearer = /^Bearer\s+(\S{1,512})\s*$/i.exec(headers.get("authorization") ?? "");
  return bearer?.[1] ?? headers.get("x-api-key");
}

export async function handleMcp(request: Request, env: Env, auth: () => Auth): Promise<Response> {
  const url = new URL(request.url);
  const raw = MCP_PATH.exec(url.pathname)?.[1];
  if (raw === undefined) return new Response("not found", { status: 404 });
  // One spelling per id, as for the rooms: the router names the room by the raw segment.
  const workspaceId = canonicalId(raw);
  if (workspaceId === null) return refuse(403, "workspace id is not in its canonical form");
  // DNS rebinding: a browser page elsewhere must not reach a local server with a key it got.
  const rebinding = rebindingRefusal(env, request);
  if (rebinding) return refuse(403, rebinding);
  const key = requestKey(request.headers);
  if (!key)
    return refuse(401, "an agent API key is required: Authorization: Bearer <key>", {
      "www-authenticate": 'Bearer realm="autopilot"',
    });
  const outcome = await principalFromApiKey(env.DB, auth(), key, workspaceId);
  if (!outcome.ok)
    return refuse(
      outcome.status,
      outcome.reason,
      outcome.status === 401 ? { "www-authenticate": 'Bearer error="invalid_token"' } : {},
    );

  // Rebuilt so nothing client-supplied poses as the principal header and the key goes no further.
  const headers = new Headers(request.headers);
  for (const name of ["authorization", "x-api-key", "cookie", PRINCIPAL_HEADER]) headers.delete(name);
  headers.set(PRINCIPAL_HEADER, encodePrincipalHeader(outcome.principal));
  const target = new URL(`/agents/autopilot/${raw}/mcp`, url.origin);
  const forwarded = new Request(target.toString(), {
    method: request.method,
    headers,
    body: request.method === "POST" ? request.body : null,
  });
  return (await routeAgentRequest(forwarded, env)) ?? new Response("not found", { status: 404 });
}

/** MCP: an agent's key, checked by handleMcp. */
export const mcpRoute: WorkerRoute = {
  name: "mcp",
  matches: under("/mcp/"),
  handle: (request, env, _ctx, auth) => handleMcp(request, env, auth),
};
