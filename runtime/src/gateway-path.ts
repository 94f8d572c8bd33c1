// Which instance a WebSocket upgrade is for: the process host's Node server takes upgrades
// before the HTTP API, so it matches the contract's socket routes itself (Hono's router).
import { PatternRouter } from "hono/router/pattern-router";
import { RUNTIME_ROUTES } from "../../shared/runtime/requests";

/** `gateway`: the Autopilot's operator socket (token added); `device`: devices and nodes (nothing added). */
export type SocketRoute = "gateway" | "device";

const router = new PatternRouter<SocketRoute>();
router.add("GET", RUNTIME_ROUTES.gateway, "gateway");
router.add("GET", RUNTIME_ROUTES.device, "device");

/** The route's kind and ids, percent-decoded (validation then sees what the path means), or undefined. */
export function matchGatewayPath(
  pathname: string,
): { route: SocketRoute; workspaceId: string; instanceId: string } | undefined {
  const [matches] = router.match("GET", pathname);
  const route = matches[0]?.[0];
  const params = matches[0]?.[1] as Record<string, string> | undefined;
  if (!route || !params?.workspaceId || !params.instanceId) return undefined;
  try {
    return {
      route,
      workspaceId: decodeURIComponent(params.workspaceId),
      instanceId: decodeURIComponent(params.instanceId),
    };
  } catch {
    return undefined;
  }
}
