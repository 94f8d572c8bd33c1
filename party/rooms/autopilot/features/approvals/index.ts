import { getApproval, listApprovals, requestApproval, resolveApproval } from "../../domain/approvals";
import { RoomError } from "../../../../domain/errors";
import type { Feature } from "../../kernel/feature";
import { methods, mutate, paged, query } from "../../kernel/handlers";
import { prepareDecision } from "./decide";
import type { ApprovalExpiry } from "./expiry";

export { ApprovalExpiry } from "./expiry";

/** The shared approval queue: filed by people, agents and the room's own work; decided by people; expired on time. */
export function approvals(expiry: Pick<ApprovalExpiry, "wakeAt" | "run" | "ensure">): Feature {
  return {
    name: "approvals",
    methods: methods({
      "approvals.request": mutate((ctx, p) => requestApproval(ctx, p)),
      // A decision on work done for someone is taken only while they still have access; one on
      // a gateway's request reaches the gateway before the room records it (decide.ts).
      "approvals.resolve": mutate(resolveApproval, prepareDecision),
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
}
