// URL → operation. Pure: no I/O, so the table is unit-testable.
export type Route =
  | { kind: "health" }
  | { kind: "list"; workspaceId: string }
  | { kind: "instance"; workspaceId: string; instanceId: string }
  | { kind: "restart"; workspaceId: string; instanceId: string }
  | { kind: "backups"; workspaceId: string; instanceId: string }
  | { kind: "credentials"; workspaceId: string; instanceId: string }
  | { kind: "gateway"; workspaceId: string; instanceId: string };

/** Methods each route accepts (for 405 answers). */
export const ROUTE_METHODS: Record<Route["kind"], readonly string[]> = {
  health: ["GET"],
  list: ["GET"],
  instance: ["GET", "PUT", "DELETE"],
  restart: ["POST"],
  backups: ["GET", "POST"],
  credentials: ["GET"],
  gateway: ["GET"],
};

export function matchRoute(pathname: string): Route | undefined {
  if (pathname === "/v1/health") return { kind: "health" };
  const parts = pathname.split("/");
  // ["", "v1", "workspaces", ws, "instances", id?, action?]
  if (parts[0] !== "" || parts[1] !== "v1" || parts[2] !== "workspaces" || parts[4] !== "instances") return undefined;
  const workspaceId = decodeSegment(parts[3]);
  if (workspaceId === undefined) return undefined;
  if (parts.length === 5) return { kind: "list", workspaceId };
  const instanceId = decodeSegment(parts[5]);
  if (instanceId === undefined) return undefined;
  if (parts.length === 6) return { kind: "instance", workspaceId, instanceId };
  if (parts.length !== 7) return undefined;
  switch (parts[6]) {
    case "restart":
      return { kind: "restart", workspaceId, instanceId };
    case "backups":
      return { kind: "backups", workspaceId, instanceId };
    case "credentials":
      return { kind: "credentials", workspaceId, instanceId };
    case "gateway":
      return { kind: "gateway", workspaceId, instanceId };
    default:
      return undefined;
  }
}

function decodeSegment(segment: string | undefined): string | undefined {
  if (!segment) return undefined;
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}
