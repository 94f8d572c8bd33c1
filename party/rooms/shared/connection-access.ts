import type { EventPayload } from "../../../shared/protocol/events";
import type { EventFrame } from "../../../shared/protocol/frames";
import type { Principal } from "../../../shared/protocol/principal";
import { recheckPrincipal, sameAccess } from "../../auth/current-access";
import { type ClientSocket, type ConnState, connState } from "./connection-state";
import { RESUME_CLOSE } from "./delivery-link";
import { mayReadWorkspace } from "./reading";

/** One open socket as both rooms can present it: who it claims to be, and what to do about it. */
export interface GuardedSocket {
  principal: Principal;
  /** Access is gone: close with 4001 / 4003 and the reason. */
  close(code: number, reason: string): void;
  /** Access changed but remains: the socket continues as `principal`. */
  rescope(principal: Principal): void;
}

/**
 * Re-checks every socket's principal against D1 (one lookup per principal, however many
 * devices it has open) and closes or re-scopes the sockets whose access changed. The
 * sockets' principals come from their hibernation-safe state, so this works the same on a
 * room that was just woken by the call.
 */
export async function revalidateSockets(
  db: D1Database,
  workspaceId: string,
  sockets: GuardedSocket[],
  reason: string,
): Promise<{ closed: number; rescoped: number }> {
  const verdicts = new Map<string, ReturnType<typeof recheckPrincipal>>();
  for (const s of sockets)
    if (!verdicts.has(s.principal.id)) verdicts.set(s.principal.id, recheckPrincipal(db, workspaceId, s.principal));
  let closed = 0;
  let rescoped = 0;
  for (const s of sockets) {
    const verdict = await verdicts.get(s.principal.id)!;
    if (!verdict.ok) {
      // The specific reason (key revoked, no longer a member) beats the change's summary.
      s.close(verdict.code, (verdict.reason || reason).slice(0, 120));
      closed++;
    } else if (!sameAccess(s.principal, verdict.principal)) {
      s.rescope(verdict.principal);
      rescoped++;
    }
  }
  return { closed, rescoped };
}

/**
 * An Autopilot socket, or null for one that never finished connecting. A re-scope is
 * announced as `principal.updated` through `send` (the room's own, which holds it behind a
 * replay in progress so it does not overtake the events the socket missed). One that gains or
 * loses `read` is closed to reconnect instead (RESUME_CLOSE): what it may be sent is fixed in
 * its tags when it is accepted (party/rooms/shared/reading.ts), and its next hello gives it
 * what it may now read, or drops what it may not.
 */
export function autopilotSocket(conn: ClientSocket, send: (text: string) => void): GuardedSocket | null {
  const state = connState(conn);
  if (!state) return null;
  return {
    principal: state.principal,
    close: (code, reason) => conn.close(code, reason),
    rescope: (principal) => {
      if (mayReadWorkspace(principal) !== mayReadWorkspace(state.principal)) {
        conn.close(RESUME_CLOSE, "read access changed: reconnect");
        return;
      }
      conn.setState({ ...state, principal } satisfies ConnState);
      const frame: EventFrame = {
        type: "event",
        event: "principal.updated",
        payload: { principal } satisfies EventPayload<"principal.updated">,
      };
      send(JSON.stringify(frame));
    },
  };
}
