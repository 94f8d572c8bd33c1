import { isPerson } from "./people";
import { type Approval, Risk } from "./protocol/approvals";
import type { Principal } from "./protocol/principal";
import { type ApprovalPolicy, DEFAULT_LINK_DECISIONS_UP_TO } from "./protocol/settings";

/**
 * Who may decide an approval (docs/access.md, "Approvals"); the room enforces it, the app uses it to say up front who decides, on top of the `approve` scope
 * the method already requires:
 *
 * - An approval that gates an action the room then takes (`action` set: an instance
 *   operation, a gateway's exec or pairing request, a tool call of the Autopilot's model;
 *   or `gatesCall`: an agent's gated call over MCP, which the room runs once approved) is
 *   decided by a person only: an agent's key holding `approve` cannot start a gateway nor
 *   let another agent's call run, and the Autopilot never decides what it asked for.
 * - A plain `approvals.request` (no action: an agent asking humans) may be decided by
 *   anyone with `approve`, except an agent deciding its own request.
 * - The approval's own people (its requester and whoever it was asked on behalf of) may
 *   approve it only with an explicit `confirmOwn` (recorded as self-confirmed), and not at
 *   all while the workspace has the two-person rule on. Without `onBehalfOf` the Autopilot
 *   asking for someone would be a way round the rule: it files as itself, so a person
 *   could approve their own request through it.
 */
export interface DecisionAsk {
  decision: "approve" | "deny";
  confirmOwn?: true | undefined;
}

/** Whether the principal asked for this approval or it was asked on their behalf. */
export const isOwnApproval = (approval: Pick<Approval, "requestedBy" | "onBehalfOf">, principalId: string): boolean =>
  approval.requestedBy.id === principalId || approval.onBehalfOf?.id === principalId;

export type Refusal = { code: "forbidden"; message: string; details?: Record<string, unknown> };

/**
 * What a decision looks at. `gatesCall`: the room runs a call once this is approved (a
 * gated MCP call; the room knows it from the approval's gate, the wire does not carry it).
 */
export type Decided = Pick<Approval, "action" | "requestedBy" | "onBehalfOf"> & { gatesCall?: boolean };

/** Why the principal may not decide (before the decision is known), or null when it may. */
export function deciderRefusal(
  approval: Decided,
  principal: Pick<Principal, "id" | "kind">,
  policy: Pick<ApprovalPolicy, "twoPersonRule">,
): string | null {
  const own = isOwnApproval(approval, principal.id);
  if ((approval.action || approval.gatesCall) && !isPerson(principal))
    return "only a person can decide an approval that lets the room act";
  if (own && principal.kind !== "user") return "an agent cannot decide its own request";
  if (own && policy.twoPersonRule)
    return "this workspace has the two-person rule on: a person other than whoever asked (or on whose behalf it was asked) decides it";
  return null;
}

/** Why this decision is refused, or null when it may be taken. */
export function decisionRefusal(
  approval: Decided,
  principal: Pick<Principal, "id" | "kind">,
  policy: Pick<ApprovalPolicy, "twoPersonRule">,
  ask: DecisionAsk,
): Refusal | null {
  const refusal = deciderRefusal(approval, principal, policy);
  if (refusal) return { code: "forbidden", message: refusal };
  if (ask.decision === "approve" && isOwnApproval(approval, principal.id) && !ask.confirmOwn) {
    return {
      code: "forbidden",
      message: "you asked for this (or it was asked on your behalf): approve it with confirmOwn to confirm it yourself",
      details: { needs: "confirmOwn" },
    };
  }
  return null;
}

/** Whether an approval by this principal is self-confirmed (audited as such). */
export const selfConfirmed = (
  approval: Pick<Approval, "requestedBy" | "onBehalfOf">,
  principalId: string,
  decision: "approve" | "deny",
): boolean => decision === "approve" && isOwnApproval(approval, principalId);

/** The highest risk a decision link decides without the person's session, under `policy`. */
export const linkDecisionsUpTo = (policy: Pick<ApprovalPolicy, "linkDecisionsUpTo">): Risk =>
  policy.linkDecisionsUpTo ?? DEFAULT_LINK_DECISIONS_UP_TO;

/**
 * Whether a decision link (a mail's, a push's actions) decides an approval of `risk` alone:
 * up to the workspace's setting. Above it, whoever holds the link is not yet the person: the
 * person decides signed in (docs/access.md, "From a mail or a notification"). `Risk`'s options
 * run from least to most.
 */
export const linkDecidesAlone = (risk: Risk, policy: Pick<ApprovalPolicy, "linkDecisionsUpTo">): boolean =>
  Risk.options.indexOf(risk) <= Risk.options.indexOf(linkDecisionsUpTo(policy));
