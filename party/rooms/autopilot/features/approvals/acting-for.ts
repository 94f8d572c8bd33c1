import type { Approval } from "../../../../../shared/protocol/approvals";
import type { Actor, Principal, Scope } from "../../../../../shared/protocol/principal";
import { hasScope } from "../../../../../shared/scopes";
import { GATEWAY_TOOL_SCOPE } from "../agent/run-tools";
import { agentTool } from "../agent/tools";
import { type AccessVerdict, isAccessPrincipal } from "../../../../auth/current-access";
import { getRun, runOfFiledApproval } from "../agent/agent-runs";
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

/** Instance operations are all `write` methods (instances.provision … instances.link). */
const INSTANCE_SCOPE: Scope = "write";

/** The scope a run's tool needs: a room tool its method's, the OpenClaw gateway tool `write`. */
export const toolScope = (tool: string): Scope => agentTool(tool)?.scope ?? GATEWAY_TOOL_SCOPE;

export function actingFor(sql: Sql, approval: Approval): ActingFor | null {
  const action = approval.action;
  if (action?.kind === "tool") {
    const run = getRun(sql, action.runId);
    return run
      ? { principal: { ...run.doc.triggeredBy, scopes: run.doc.scopes }, scope: toolScope(action.tool) }
      : null;
  }
  if (action?.kind !== "instance") return null;
  if (isAccessPrincipal(approval.requestedBy))
    return { principal: { ...approval.requestedBy, scopes: [] }, scope: INSTANCE_SCOPE };
  const run = runOfFiledApproval(sql, approval.id);
  return run ? { principal: { ...run.doc.triggeredBy, scopes: run.doc.scopes }, scope: INSTANCE_SCOPE } : null;
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
