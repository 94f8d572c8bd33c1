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

/**
 * Who an event is for when a scope alone does not say it: holders of `scope`, only people
 * among them (`people`), or all of them but the people who hold `exceptPeopleWith`. Two
 * audiences split one event's readers in two, e.g. a WhatsApp link's QR for the people who
 * may link it and its state without the QR for every other reader.
 */
export interface Audience {
  scope: Scope;
  people?: true;
  exceptPeopleWith?: Scope;
}

/** Whether an event for holders of `scope` (or for `audience`) may go to this principal: it is in it and may read. */
export function mayBeTold(principal: Pick<Principal, "scopes" | "kind">, to: Scope | Audience): boolean {
  const audience = typeof to === "string" ? { scope: to } : to;
  if (!hasScope(principal.scopes, audience.scope) || !mayReadWorkspace(principal)) return false;
  const person = principal.kind === "user";
  if (audience.people && !person) return false;
  return !(audience.exceptPeopleWith && person && hasScope(principal.scopes, audience.exceptPeopleWith));
}
