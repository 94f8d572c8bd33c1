import type { Approval } from "../../../../../shared/protocol/approvals";
import type { Actor, Principal, Scope } from "../../../../../shared/protocol/principal";
import { hasScope } from "../../../../../shared/scopes";
import type { AccessVerdict } from "../../../../auth/current-access";
import type { Sql } from "../../../../domain/sql";

/**
 * Whom the work an approval gates is done for. An approval's action runs after a person
 * decides, which may be long after it was asked for; it is that principal's work, so it
 * runs only while that principal still has access and the scope the action takes:
 *
 * - a tool call of the Autopilot's run: the run's trigger (the principal whose message
 *   started it), with the scope the tool needs;
 * - an instance operation (an `instances.startChat` start's provision among them): who
 *   asked for it, or, when the Autopilot's run asked through an approval-method tool, that
 *   run's trigger; every instance operation takes `write`;
 * - a gateway's exec or pairing request, or a plain `approvals.request`: nobody in the
 *   workspace (the gateway asked, or the room takes no action): null.
 */
export interface ActingFor {
  principal: Principal;
  scope: Scope;
}

/**
 * Whom an approval acts for, as the feature that owns its kind of work knows it: undefined
 * when that feature does not know the approval (another may), null when it knows nobody is.
 * The agent knows its runs' tool calls and what its runs filed; the instances know the
 * operations people asked for (each registers with the approvals' `api.actingFor`).
 */
export type ActingForOf = (sql: Sql, approval: Approval) => ActingFor | null | undefined;

/** Whom an approval acts for, by the first owner that knows it; nobody when none does. */
export function actingForBy(owners: readonly ActingForOf[], sql: Sql, approval: Approval): ActingFor | null {
  for (const of of owners) {
    const acting = of(sql, approval);
    if (acting !== undefined) return acting;
  }
  return null;
}

/** The note of an approval withdrawn because whoever it acts for lost access. */
export const lostAccessNote = (who: Actor, reason: string): string =>
  `withdrawn: ${who.name} no longer has access (${reason})`;

/**
 * Why an approval must be withdrawn, given its principal's access as it stands now (the
 * note it resolves with), or null when the work may still run for them.
 */
export function withdrawalNote(acting: ActingFor, now: AccessVerdict): string | null {
  if (!now.ok) return lostAccessNote(acting.principal, now.reason);
  return hasScope(now.principal.scopes, acting.scope)
    ? null
    : `withdrawn: ${acting.principal.name} no longer holds the ${acting.scope} scope`;
}
