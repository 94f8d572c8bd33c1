import type { Approval } from "../../../shared/protocol/approvals";
import type { OpEffects } from "../../domain/context";
import type { Sql } from "../../domain/sql";
import { getThread } from "../../domain/threads";
import type { BridgeSupervisor } from "../../instances/bridge-supervisor";

export interface ReactionDeps {
  sql: Sql;
  bridges: BridgeSupervisor;
  /** An instance approval was decided: an approved operation runs (outliving the request), a refused link is forgotten. */
  instanceApprovalResolved: (approval: Approval) => void;
  /** The Autopilot's paused run waiting on this approval continues or ends. */
  approvalResolved: (approval: Approval) => void;
  /** Bridges start or stop to match the instances. */
  instancesChanged: () => void;
  /**
   * A thread was bound to one of this instance's gateway sessions (opened as a thread), or
   * the instance was deleted: clients learn a session's thread only from
   * `sessions.changed`, and the gateway has no reason (or no way) to send one, so the room
   * announces the list itself.
   */
  sessionsChanged: (instanceId: string) => void;
}

/**
 * What the room does after a commit's events went out, besides broadcasting them: the
 * parts of the room that act on a change (instance operations, the Autopilot's runs, the
 * bridges) are told here, in the same turn as the commit.
 */
export function reactToEvents(deps: ReactionDeps, effects: OpEffects): void {
  let instancesChanged = false;
  for (const e of effects.events) {
    switch (e.event) {
      case "approval.resolved": {
        const { approval } = e.payload;
        if (approval.action?.kind === "instance") deps.instanceApprovalResolved(approval);
        deps.approvalResolved(approval);
        break;
      }
      case "instance.updated":
        instancesChanged = true;
        // A deleted instance's sessions went with it: clients drop the list they hold.
        if (e.payload.instance.status === "stopped") deps.sessionsChanged(e.payload.instance.id);
        break;
      case "instance.deleted":
        instancesChanged = true;
        break;
      case "message.created": {
        // A message for a gateway thread was queued with it; the bridge sends it now.
        // (No bridge, no lookup: this runs for every message in the room.)
        const { message } = e.payload;
        if (deps.bridges.size === 0 || message.author.id.startsWith("instance:")) break;
        const gateway = getThread(deps.sql, message.threadId)?.gateway;
        if (gateway) void deps.bridges.get(gateway.instanceId)?.flush();
        break;
      }
      case "thread.created":
      case "thread.updated": {
        const { thread } = e.payload;
        if (!thread.gateway) break;
        deps.bridges.get(thread.gateway.instanceId)?.syncThread(thread.id);
        // A gateway thread is bound when it is made (sessions.open / sessions.send).
        if (e.event === "thread.created") deps.sessionsChanged(thread.gateway.instanceId);
        break;
      }
    }
  }
  if (instancesChanged) deps.instancesChanged();
}
