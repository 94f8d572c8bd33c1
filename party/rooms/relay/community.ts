import { canonicalId } from "../../room-path";

/**
 * A community is one Durable Object (docs/decisions/043-nostr-relay-per-community.md): `/relay`
 * is the public community, `/relay/w/<workspaceId>` a workspace's.
 * Each has its own SQLite, sockets and limits, so a hot one cannot slow another.
 */
export type Community = { kind: "public"; name: string; path: string } | WorkspaceCommunity;
export type WorkspaceCommunity = { kind: "workspace"; name: string; path: string; workspaceId: string };

/** The path prefix every community's URL starts with (wrangler.toml's run_worker_first names it too). */
export const RELAY_PATH = "/relay";

export const PUBLIC_COMMUNITY: Community = { kind: "public", name: "public", path: RELAY_PATH };

export function workspaceCommunity(workspaceId: string): WorkspaceCommunity {
  return {
    kind: "workspace",
    name: `w:${workspaceId}`,
    path: `${RELAY_PATH}/w/${encodeURIComponent(workspaceId)}`,
    workspaceId,
  };
}

const WORKSPACE_PATH = /^\/relay\/w\/([^/?#]+)\/?$/;

/**
 * The community a path names, or null (a 404). Only the canonical spelling of a workspace id
 * is one (as for the rooms, party/room-path.ts): `%55…` must not open a second object.
 */
export function communityOfPath(pathname: string): Community | null {
  if (pathname === RELAY_PATH || pathname === `${RELAY_PATH}/`) return PUBLIC_COMMUNITY;
  const match = WORKSPACE_PATH.exec(pathname);
  if (!match) return null;
  const workspaceId = canonicalId(match[1]!);
  return workspaceId ? workspaceCommunity(workspaceId) : null;
}

/**
 * Whether `url` (a NIP-42 `relay` tag) names this community on one of `hosts` (this server's
 * own: party/auth/origin.ts ownHosts, never the Host a socket was opened with), scheme and a
 * trailing slash aside.
 */
export function isThisRelay(url: string, community: Community, hosts: readonly string[]): boolean {
  try {
    const parsed = new URL(url);
    if (!["ws:", "wss:", "http:", "https:"].includes(parsed.protocol)) return false;
    const path = parsed.pathname.replace(/\/+$/, "") || "/";
    return hosts.includes(parsed.host) && path === community.path;
  } catch {
    return false;
  }
}
