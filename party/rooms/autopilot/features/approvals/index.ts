import type { z } from "zod";
import type { Approval, ApprovalsResolveParams } from "../../../../../shared/protocol/approvals";
import type { AccessVerdict } from "../../../../auth/current-access";
import { RoomError } from "../../../../domain/errors";
import { defineFeature } from "../../kernel/feature";
import { methods, mutate, paged, query, type RequestContext } from "../../kernel/handlers";
import type { CurrentAccess } from "../../kernel/services";
import type { RoomWriter } from "../../kernel/commit";
import { countRows } from "../../kernel/paging";
import { approvals as approvalRows } from "./tables";
import {
  type ActingFor,
  type ActingForOf,
  actingForBy,
  decisionRefused,
  expireDueApprovals,
  getApproval,
  listApprovals,
  PENDING_APPROVALS,
  recentResolvedApprovals,
  requestApproval,
  resolveApproval,
  withdrawalNote,
} from "./approvals";
import { ApprovalExpiry } from "./expiry";
import { withdraw, withdrawForLostAccess } from "./withdrawals";

// What other features use of this one.
export {
  type ActingFor,
  amendApproval,
  getApproval,
  lostAccessNote,
  pendingApprovals,
  pendingInstanceApprovals,
  refuseDecision,
  requestApproval,
  setApprovalReach,
  settleApproval,
  withdrawApproval,
} from "./approvals";
export { postRefusal, withdraw } from "./withdrawals";

/** What a hello's snapshot carries: pending approvals (16 KB of details each at most), then the most recently decided. */
const SNAPSHOT = { pending: { count: 100, bytes: 96 * 1024 }, decided: { count: 50, bytes: 8 * 1024 } } as const;

type ResolveParams = Pick<z.output<typeof ApprovalsResolveParams>, "approvalId" | "decision" | "confirmOwn">;

/** The kinds of work an approval may gate (its `action`). */
export type ActionKind = NonNullable<Approval["action"]>["kind"];

/**
 * What must happen before a decision on an approval of its kinds is recorded, as the feature
 * that owns that work knows it: a gateway's request reaches its gateway first (the instances).
 * Called only for a decision the queue's own rules would record (pending, in time, this
 * decider's under the policy); what it returns runs once the decision is recorded.
 */
export type PrepareDecision = (
  req: RequestContext,
  approval: Approval,
  decision: ResolveParams["decision"],
) => Promise<() => void>;

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
    const owners: ActingForOf[] = [];
    const preparers = new Map<ActionKind, PrepareDecision>();
    const actingFor = (approval: Approval): ActingFor | null => actingForBy(owners, s.sql, approval);

    return {
      api: {
        /** Whom approvals of a feature's work act for (approvals.ts, ActingForOf). */
        actingFor: (of: ActingForOf) => void owners.push(of),
        /** What the feature owning these kinds of work does before a decision on one is recorded (one owner a kind). */
        prepareDecision: (kinds: readonly ActionKind[], prepare: PrepareDecision) => {
          for (const kind of kinds) {
            if (preparers.has(kind)) throw new Error(`approvals of kind ${kind} already have a preparer`);
            preparers.set(kind, prepare);
          }
        },
        /** Withdraws approvals as the room, in one transaction (withdrawals.ts). */
        withdraw: (notes: Map<string, string>) => withdraw(s, notes),
        /** Withdraws every pending approval whose principal lost access, read from D1 now. */
        withdrawForLostAccess: () => withdrawForLostAccess({ ...s, currentAccess: s.currentAccess, actingFor }),
      },
      methods: methods({
        // Expiry commits on its own first: a decision that loses to the clock leaves the
        // approval expired for everyone, not rolled back with the refused decision.
        "approvals.request": mutate((ctx, p) => requestApproval(ctx, p), undefined, expireDueApprovals),
        "approvals.resolve": mutate(
          resolveApproval,
          (req, params) =>
            prepareDecision(
              { sql: s.sql, commit: s.commit, currentAccess: s.currentAccess, actingFor, preparers },
              req,
              params,
            ),
          expireDueApprovals,
        ),
        "approvals.list": query((sql, p) => paged(listApprovals(sql, p), (approvals) => ({ approvals }))),
        "approvals.get": query((sql, p) => {
          const approval = getApproval(sql, p.approvalId);
          if (!approval) throw new RoomError("not_found", `no approval ${p.approvalId}`);
          return { approval };
        }),
      }),
      snapshot: () => {
        const pending = listApprovals(
          s.sql,
          { status: "pending", limit: SNAPSHOT.pending.count },
          SNAPSHOT.pending.bytes,
        );
        const decided = recentResolvedApprovals(s.sql, SNAPSHOT.decided.count, SNAPSHOT.decided.bytes);
        const left = pending.next
          ? Math.max(0, countRows(s.sql, approvalRows, PENDING_APPROVALS) - pending.items.length)
          : 0;
        return { approvals: [...pending.items, ...decided], more: { approvals: { left, next: pending.next } } };
      },
      // A pending approval's expiry wakes the room at its time.
      afterCommit: (effects) => {
        for (const at of effects.wakeups) void expiry.wakeAt(at);
      },
      schedules: { expireApprovals: () => expiry.run() },
      start: () => expiry.ensure(),
    };
  },
});

/** What the decision path's first step reads: the room, current access, whom approvals act for, and the owners' preparers. */
export interface DecisionOwners extends RoomWriter {
  /** Read only for an approval that acts for someone: do they still have access. */
  currentAccess: CurrentAccess;
  actingFor(approval: Approval): ActingFor | null;
  preparers: ReadonlyMap<ActionKind, PrepareDecision>;
}

/**
 * approvals.resolve's prepare, the one decision path's first step. The queue's rules
 * (shared/approval-policy.ts) are read here once, before anything outside the room is asked,
 * and once more in the commit that records the decision (the settings, or the approval, may
 * change while a gateway or D1 answers). A decision they refuse reads nothing outside the
 * room: the commit refuses it. Then an approval that acts for someone is decided only while
 * they still may (their access read again now: the Worker may never have said it changed),
 * and one whose work another feature owns goes to that feature first.
 */
export function prepareDecision(
  owners: DecisionOwners,
  req: RequestContext,
  params: ResolveParams,
): Promise<() => void> | undefined {
  const approval = getApproval(owners.sql, params.approvalId);
  const open =
    approval?.status === "pending" &&
    (approval.expiresAt === null || approval.expiresAt > Date.now()) &&
    !decisionRefused(owners.sql, approval, req.principal, params);
  if (!approval || !open) return undefined;
  const acting = owners.actingFor(approval);
  if (acting) return confirmActingFor(owners, approval, acting);
  const kind = approval.action?.kind;
  return kind ? owners.preparers.get(kind)?.(req, approval, params.decision) : undefined;
}

/** Refuses a decision on work done for someone who lost access, and withdraws the approval (withdrawals.ts). */
async function confirmActingFor(room: DecisionOwners, approval: Approval, acting: ActingFor): Promise<() => void> {
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

/** Tables of this feature that other features read (the room's schema: party/rooms/autopilot/schema.ts). */
export { approvalGates as approvalGatesTable, approvals as approvalsTable } from "./tables";
