import { getServerByName } from "partyserver";
import type { Auth } from "../auth/auth";
import { workspaceIdsOf } from "../auth/better-auth-reads";
import type { Env } from "../env";
import type { AccessChange } from "./access-change";
import { workspaceCommunity } from "../rooms/relay/community";
import { roomCall } from "../room-rpc";

/**
 * How any access change reaches open sockets. The contract, for every route or hook that
 * changes who may do what (remove a member, change a role, delete/disable/rotate a key,
 * disable a user, …):
 *
 * 1. Change D1 first (better-auth's tables are the one source of truth), then call one of
 *    these and await it before answering: when the caller's response arrives, every open
 *    socket of the affected principals in both rooms (Autopilot and Hatchery) has been
 *    closed (4001 key gone / 4003 no longer a member) or re-scoped (a changed role or key
 *    scopes; the Autopilot then sends `principal.updated`).
 * 2. Nothing here says who may do what: the rooms re-read it from D1 for every connected
 *    principal. Calling this for a workspace where nothing changed is harmless (and cheap
 *    for a room with no sockets), so when unsure which workspace, pass more.
 * 3. `change.audit`, when given, is appended to the workspace's audit log (`audit.list`)
 *    by the Autopilot, with the actor and time. Actions in use: `key.created`,
 *    `key.revoked`, `key.updated`, `member.added`, `member.removed`, `member.left`,
 *    `member.role_changed`, `workspace.deleted`.
 * 4. A room that cannot be reached is logged and does not fail the caller's change: the
 *    change already happened in D1, and the room re-checks a ticket or a new socket at the
 *    gate anyway.
 */
export async function revalidateWorkspace(env: Env, workspaceId: string, change: AccessChange): Promise<void> {
  const report = (room: string) => (error: unknown) =>
    console.error(
      JSON.stringify({ msg: "access revalidation failed", room, workspace: workspaceId, error: String(error) }),
    );
  await Promise.all([
    roomCall(env.Autopilot.getByName(workspaceId), "accessChanged", change).catch(report("autopilot")),
    getServerByName(env.Hatchery, workspaceId)
      .then((room) => room.accessChanged(change))
      .catch(report("hatchery")),
    // The workspace's Nostr community: its members' NIP-42 keys are asked about again.
    env.NostrRelay.getByName(workspaceCommunity(workspaceId).name).accessChanged(workspaceId).catch(report("relay")),
  ]);
}

/** Every workspace a person belongs to (e.g. an operator disabled them). Pass `also` for workspaces they just left. */
export async function revalidateUser(
  env: Env,
  auth: Auth,
  userId: string,
  change: AccessChange,
  also: string[] = [],
): Promise<void> {
  const workspaces = new Set([...(await workspaceIdsOf(auth, userId)), ...also]);
  await Promise.all([...workspaces].map((ws) => revalidateWorkspace(env, ws, change)));
}
