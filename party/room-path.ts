/** Both rooms of a workspace sit behind the same gate: /agents/autopilot/<ws>, /parties/hatchery/<ws>. */
const ROOM_PATH = /^\/(agents\/autopilot|parties\/hatchery)\/([^/?#]+)$/;

export type RoomPath = { ok: true; room: "agents/autopilot" | "parties/hatchery"; workspaceId: string } | { ok: false; reason: "not_found" | "not_canonical" };

/**
 * The room and workspace a path names. The routers take the room's name from the raw
 * path segment while the gate checks membership of the decoded id, so `%55…` (an encoded
 * `U…`) passed the check and opened a new, empty room: only the one canonical spelling of
 * an id (what encodeURIComponent gives) is accepted.
 */
export function parseRoomPath(pathname: string): RoomPath {
  const match = ROOM_PATH.exec(pathname);
  if (!match) return { ok: false, reason: "not_found" };
  const raw = match[2]!;
  let workspaceId: string;
  try {
    workspaceId = decodeURIComponent(raw);
  } catch {
    return { ok: false, reason: "not_canonical" };
  }
  if (encodeURIComponent(workspaceId) !== raw) return { ok: false, reason: "not_canonical" };
  return { ok: true, room: match[1] as "agents/autopilot" | "parties/hatchery", workspaceId };
}
