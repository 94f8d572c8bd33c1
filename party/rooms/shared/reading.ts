import type { Principal, Scope } from "../../../shared/protocol/principal";
import { hasScope } from "../../../shared/scopes";

/**
 * The one rule for what a principal may be told of its workspace (docs/access.md, "What a
 * principal without read gets"): whoever holds `read` (or `admin`, which satisfies every
 * scope) may read the workspace's data, the same rule the `read` methods and MCP's tools check.
 * Anyone else — an agent key granted `write` only, say — gets none of it on any path: no
 * snapshot in its hello, no event (durable or ephemeral, to everyone, to a thread's viewers,
 * to a scope or to its own principal), no replay, no view, no canvas. What it still gets is
 * about itself: the hello's who, where and limits, and the answers to its own requests.
 *
 * Both rooms and the delivery objects ask this when a socket is accepted (its fan-out tags,
 * its view, its hello) and for the frames they filter socket by socket (to a scope, a
 * replay's bumps). A socket whose answer flips is closed to reconnect, since its tags are fixed
 * when it is accepted.
 */
export function mayReadWorkspace(principal: Pick<Principal, "scopes">): boolean {
  return hasScope(principal.scopes, "read");
}

/** Whether an event for holders of `scope` may go to this principal: it holds the scope and may read. */
export const mayBeTold = (principal: Pick<Principal, "scopes">, scope: Scope): boolean =>
  hasScope(principal.scopes, scope) && mayReadWorkspace(principal);
