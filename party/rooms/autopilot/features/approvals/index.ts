import {
  decisionRefused,
  expireDueApprovals,
  getApproval,
  listApprovals,
  requestApproval,
  resolveApproval,
} from "./approvals";
import { RoomError } from "../../../../domain/errors";
import { defineFeature } from "../../kernel/feature";
import { methods, mutate, paged, query } from "../../kernel/handlers";
import { ApprovalExpiry } from "./expiry";
import type { Approval } from "../../../../../shared/protocol/approvals";
import { type ActingFor, actingFor, withdrawalNote } from "./acting-for";
import { withdraw } from "./withdrawals";
import type { AccessVerdict } from "../../../../auth/current-access";
import { prepareGatewayDecision } from "../instances/bridge/decisions";
import type { RequestContext } from "../../request-context";

/** The shared approval queue: filed by people, agents and the room's own work; decided by people; expired on time. */
export const approvals = defineFeature({
  name: "approvals",
  schedules: ["expireApprovals"],
  build: (s) => {
    // Wakes the room when a pending approval's time runs out.
    const expiry = new ApprovalExpiry({
      sql: s.sql,
      commit: s.commit,
      scheduler: s.scheduler,
      workspaceId: s.workspaceId,
    });
    return {
      methods: methods({
        // Expiry commits on its own first: a decision that loses to the clock leaves the
        // approval expired for everyone, not rolled back with the refused decision.
        "approvals.request": mutate((ctx, p) => requestApproval(ctx, p), undefined, expireDueApprovals),
        // A decision on work done for someone is taken only while they still have access; one on
        // a gateway's request reaches the gateway before the room records it (prepareDecision below).
        "approvals.resolve": mutate(resolveApproval, prepareDecision, expireDueApprovals),
        "approvals.list": query((sql, p) => paged(listApprovals(sql, p), (approvals) => ({ approvals }))),
        "approvals.get": query((sql, p) => {
          const approval = getApproval(sql, p.approvalId);
          if (!approval) throw new RoomError("not_found", `no approval ${p.approvalId}`);
          return { approval };
        }),
      }),
      // A pending approval's expiry wakes the room at its time.
      afterCommit: (effects) => {
        for (const at of effects.wakeups) void expiry.wakeAt(at);
      },
      schedules: { expireApprovals: () => expiry.run() },
      start: () => expiry.ensure(),
    };
  },
});

// Deciding an approval that acts for someone re-reads their access first (party/rooms/autopilot/features/approvals/withdrawals.ts).

async function confirmActingFor({ room }: RequestContext, approval: Approval, acting: ActingFor): Promise<() => void> {
  let verdict: AccessVerdict;
  try {
    verdict = await room.currentAccess(acting.principal);
  } catch {
    throw new RoomError(
      "unavailable",
      `could not confirm that ${acting.principal.name} still has access: try again`,
      { approvalId: approval.id },
      1000,
    );
  }
  const note = withdrawalNote(acting, verdict);
  if (!note) return () => {};
  withdraw(room, new Map([[approval.id, note]]));
  throw new RoomError("already_resolved", `approval was withdrawn: ${note.replace(/^withdrawn: /, "")}`, {
    approvalId: approval.id,
    status: "expired",
  });
}

/**
 * approvals.resolve's prepare: an approval that acts for someone is decided only while
 * they still may; a gateway's request goes to its gateway first (party/rooms/autopilot/features/instances/bridge/decisions.ts).
 */
export function prepareDecision(
  req: RequestContext,
  params: Parameters<typeof prepareGatewayDecision>[1],
): Promise<() => void> | undefined {
  const { room, principal } = req;
  const approval = getApproval(room.sql, params.approvalId);
  // A decision the ordinary path refuses anyway (decided, expired, not this decider's) reads nothing.
  const open =
    approval?.status === "pending" &&
    (approval.expiresAt === null || approval.expiresAt > Date.now()) &&
    !decisionRefused(room.sql, approval, principal, params);
  const acting = open ? actingFor(room.sql, approval) : null;
  if (approval && acting) return confirmActingFor(req, approval, acting);
  return prepareGatewayDecision(
    {
      sql: room.sql,
      commit: room.commit,
      principal,
      decisionsFor: (instanceId) => room.bridges.get(instanceId)?.decisions,
    },
    params,
  );
}
