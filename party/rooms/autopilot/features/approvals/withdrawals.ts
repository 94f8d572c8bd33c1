import type { Approval } from "../../../../../shared/protocol/approvals";
import type { Actor } from "../../../../../shared/protocol/principal";
import type { CurrentAccess } from "../../kernel/services";
import { type AccessVerdict, isAccessPrincipal } from "../../../../auth/current-access";
import type { RoomWriter } from "../../kernel/commit";
import { type ActingFor, pendingApprovals, withdrawalNote, withdrawApproval } from "./approvals";

/**
 * Approvals let the room act later for whoever asked (party/rooms/autopilot/features/approvals/approvals.ts, ActingFor): an
 * Autopilot run's tool call, an instance operation, an `instances.startChat` start. What
 * they would do runs only while that principal still has access and the scope it takes,
 * checked against D1 twice:
 *
 * - when the Worker says access in the workspace changed (`withdrawForLostAccess`): each
 *   pending approval whose principal lost it is withdrawn at once (expired, with why), so
 *   everyone sees it leave the queue; a paused run then resumes to find its trigger gone
 *   and stops (party/rooms/autopilot/features/agent/run-access.ts), a chat start fails with the note;
 * - when a person decides one (`prepareDecision` in the Autopilot's approvals.resolve): the room
 *   may never have been told (a key past its expiry, a revalidation that failed), so the
 *   decision is refused and the approval withdrawn instead.
 */

/** Withdraws approvals as the room, in one transaction; returns those still pending until now. */
export function withdraw(deps: RoomWriter, notes: Map<string, string>): Approval[] {
  return deps.commit(null, (ctx) => [...notes].flatMap(([id, note]) => withdrawApproval(ctx, id, note) ?? []));
}

export interface WithdrawalDeps extends RoomWriter {
  currentAccess: CurrentAccess;
  /** Whom an approval acts for (approvals.ts, as the features that own its work know it). */
  actingFor(approval: Approval): ActingFor | null;
}

export async function withdrawForLostAccess(deps: WithdrawalDeps): Promise<Approval[]> {
  const gated = pendingApprovals(deps.sql).flatMap((approval) => {
    const acting = deps.actingFor(approval);
    return acting ? [{ approval, acting }] : [];
  });
  // One read per principal, however many approvals act for them.
  const verdicts = new Map<string, Promise<AccessVerdict | null>>();
  for (const { acting } of gated) {
    if (verdicts.has(acting.principal.id)) continue;
    verdicts.set(
      acting.principal.id,
      deps.currentAccess(acting.principal).catch((error: unknown) => {
        // Unread is not gone: the decision re-checks it anyway.
        console.error(
          JSON.stringify({ msg: "access re-check failed", principal: acting.principal.id, error: String(error) }),
        );
        return null;
      }),
    );
  }
  const notes = new Map<string, string>();
  for (const { approval, acting } of gated) {
    const verdict = await verdicts.get(acting.principal.id);
    const note = verdict ? withdrawalNote(acting, verdict) : null;
    if (note) notes.set(approval.id, note);
  }
  return notes.size > 0 ? withdraw(deps, notes) : [];
}

/**
 * Why a message queued for a gateway may no longer be sent for its author (the outbox sends
 * it when the gateway is back, maybe much later), or null when it may: a person or key
 * needs access and `write` as they stand now. The room's own posts (the Autopilot, an
 * instance) are nobody's to lose.
 */
export async function postRefusal(currentAccess: CurrentAccess, author: Actor): Promise<string | null> {
  if (!isAccessPrincipal(author)) return null;
  const acting: ActingFor = { principal: { ...author, scopes: [] }, scope: "write" };
  return withdrawalNote(acting, await currentAccess(acting.principal))?.replace(/^withdrawn: /, "") ?? null;
}
