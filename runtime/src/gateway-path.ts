// Which instance a WebSocket upgrade is for: the process host's Node server takes upgrades
// before the HTTP API, so it matches the contract's gateway route itself (Hono's router).
import { PatternRouter } from "hono/router/pattern-router";
import { RUNTIME_ROUTES } from "../../shared/runtime/requests";

const router = new PatternRouter<"gateway">();
router.add("GET", RUNTIME_ROUTES.gateway, "gateway");

/** The route's ids, percent-decoded (validation then sees what the path means), or undefined. */
export function matchGatewayPath(pathname: string): { workspaceId: string; instanceId: string } | undefined {
  const [matches] = router.match("GET", pathname);
  const params = matches[0]?.[1] as Record<string, string> | undefined;
  if (!params?.workspaceId || !params.instanceId) return undefined;
  try {
    return { workspaceId: decodeURIComponent(params.workspaceId), instanceId: decodeURIComponent(params.instanceId) };
  } catch {
    return undefined;
  }
}
