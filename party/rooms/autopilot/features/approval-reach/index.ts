import type { ApprovalFigures } from "../../../../../shared/protocol/approvals";
import { defineFeature } from "../../kernel/feature";
import { methods, query } from "../../kernel/handlers";
import { approvals, pendingApprovals } from "../approvals";
import { chats } from "../chats";
import { inbox } from "../inbox";
import { ApprovalReachWork } from "./reach";
import { dueReaches, figuresOf, nextStepAt, pendingReaches, reachOf } from "./store";

/** How far back a room's start looks for a pending approval that was never sent. */
const UNSENT_WITHIN_MS = 60 * 60 * 1000;

/**
 * Approvals that never stall silently (docs/access.md "Who is told"): each approval is sent to
 * the people who may decide it and can be reached now, reminded up the workspace's ladder
 * while nobody decides, and its asker hears every step and the outcome; the figures say how
 * well it went. The inbox still shows every pending approval to everyone who may decide it.
 */
export const approvalReach = defineFeature({
  name: "approvalReach",
  needs: [approvals, inbox, chats],
  schedules: ["remindApprovals"],
  build: (s, { inbox, chats }) => {
    const work = new ApprovalReachWork({
      sql: s.sql,
      commit: s.commit,
      db: s.env.DB,
      workspaceId: s.workspaceId,
      scheduler: s.scheduler,
      inbox,
      chats,
    });
    /** The steps due now, one after another; then a wake-up for the next. */
    let running: Promise<void> = Promise.resolve();
    const runDue = (): Promise<void> => {
      running = running.then(async () => {
        const now = Date.now();
        for (const row of dueReaches(s.sql, now)) await work.step(row);
        const next = nextStepAt(s.sql);
        // Scheduled times have one-second granularity and workerd's clock advances only with I/O:
        // a step not yet due when the alarm rang is looked at a second later, not in a tight loop.
        if (next !== null) await work.wakeAt(Math.max(next, Date.now() + 1000));
      });
      return running.catch((error: unknown) =>
        console.error(
          JSON.stringify({ msg: "approval reminders failed", workspace: s.workspaceId(), error: String(error) }),
        ),
      );
    };
    return {
      api: {
        /** Access changed: approvals whose every decider is gone tell their askers now. */
        recheck: () => s.keepAliveWhile(() => work.recheck(pendingReaches(s.sql))),
      },
      methods: methods({
        "approvals.figures": query((sql) => ({ figures: figuresOf(sql) })),
      }),
      rpc: {
        /** RPC from the Worker (admin-routes.ts): the same figures, for operators' /admin. */
        approvalFigures: (): ApprovalFigures => figuresOf(s.sql),
      },
      reactions: {
        "approval.requested": ({ approval }) => void s.keepAliveWhile(() => work.file(approval.id)),
        "approval.resolved": ({ approval }) => work.outcome(approval),
      },
      schedules: { remindApprovals: () => runDue() },
      start: () => {
        const next = nextStepAt(s.sql);
        if (next !== null) void work.wakeAt(next, true);
        // Filing reads D1 after the approval's commit, so a room stopped in between (an eviction,
        // a deploy) left a pending approval nobody was sent: it is sent now. Only a recent one:
        // an older approval with no reach is from before reaches were kept, and was delivered then.
        const since = Date.now() - UNSENT_WITHIN_MS;
        const unsent = pendingApprovals(s.sql).filter(
          (approval) => approval.requestedAt >= since && !reachOf(s.sql, approval.id),
        );
        if (unsent.length > 0)
          void s.keepAliveWhile(async () => {
            for (const approval of unsent) await work.file(approval.id);
          });
      },
    };
  },
});
