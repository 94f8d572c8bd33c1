/** Both rooms of a workspace sit behind the same gate: /agents/autopilot/<ws>, /parties/hatchery/<ws>. */
const ROOM_PATH = /^\/(agents\/autopilot|parties\/hatchery)\/([^/?#]+)$/;

export type RoomPath =
  | { ok: true; room: "agents/autopilot" | "parties/hatchery"; workspaceId: string }
  | { ok: false; reason: "not_found" | "not_canonical" };

/**
 * The room and workspace a path names. The routers take the room's name from the raw
 * path segment while the gate checks membership of the decoded id, so `%55…` (an encoded
 * `U…`) passed the check and opened a new, empty room: only the one canonical spelling of
 * an id (what encodeURIComponent gives) is accepted.
 */
export function parseRoomPath(pathname: string): RoomPath {
  const match = ROOM_PATH.exec(pathname);
  if (!match) return { ok: false, reason: "not_found" };
  const workspaceId = canonicalId(match[2]!);
  if (workspaceId === null) return { ok: false, reason: "not_canonical" };
  return { ok: true, room: match[1] as "agents/autopilot" | "parties/hatchery", workspaceId };
}

/**
 * A path segment's id if the segment is its one canonical spelling (what
 * encodeURIComponent gives), else null. Every route that names a workspace (the rooms, the
 * MCP endpoint, files) checks the decoded id but may be routed by the raw segment.
 */
export function canonicalId(raw: string): string | null {
  try {
    const id = decodeURIComponent(raw);
    return encodeURIComponent(id) === raw ? id : null;
  } catch {
    return null;
  }
}
