import type { AccessChange } from "../../../../access/access-change";
import { defineFeature } from "../../kernel/feature";
import { agent } from "../agent";
import { approvalReach } from "../approval-reach";
import { approvals } from "../approvals";
import { billing } from "../billing";
import { inbox } from "../inbox";
import { mcp } from "../mcp";
import { tasks } from "../tasks";
import { applyAccessChange } from "./changed";

/** The room's RPC for the Worker's access changes (party/access/revalidate.ts). */
export interface AccessRpc {
  /** Access in this workspace changed. */
  accessChanged(message: AccessChange): Promise<void>;
}

/**
 * Access that holds live (docs/access.md): when the Worker says access in this workspace
 * changed, every open socket and MCP session is re-checked, then the work that acts for
 * someone (approvals waiting for a decision, the Autopilot's runs, tasks, spending allowances),
 * then everyone's inbox.
 */
export const access = defineFeature({
  name: "access",
  needs: [agent, approvals, approvalReach, billing, tasks, inbox, mcp],
  build: (s, { agent, approvals, approvalReach, billing, tasks, inbox, mcp }) => {
    const rpc: AccessRpc = {
      accessChanged: async (message) => {
        // Before anything is awaited: no task step or tool call takes a read of access made before this word.
        tasks.forgetAccess();
        await applyAccessChange(
          {
            sql: s.sql,
            db: s.env.DB,
            workspaceId: s.workspaceId(),
            sockets: s.guardedSockets().concat(mcp.guarded()),
            withdrawForLostAccess: () => approvals.withdrawForLostAccess(),
            recheckRuns: async () => {
              await agent.runner.recheckActive();
              await tasks.recheck();
            },
          },
          message,
        );
        await billing.recheckAllowances();
        inbox.refreshEveryone();
        // An approval whose every decider is gone tells its asker now, not when it expires.
        void approvalReach.recheck();
        // The sockets still open read their member, key and invitation lists again.
        s.broadcast("access.changed", { reason: message.reason });
      },
    };
    return { rpc };
  },
});
