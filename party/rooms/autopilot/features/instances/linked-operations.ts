import type { Approval } from "../../../../../shared/protocol/approvals";
import { activateLink, dropLink, dropLinkRequest, getInstance, putInstance } from "../instance-store";
import { failRoomJob, finishRoomJob, startApprovedJob } from "../jobs/index";
import { type OperationDeps, operationFailed, removeInstance, unpairDevice } from "./operations";

/**
 * Approved operations on a linked gateway. None needs the runtime: linking registers the
 * instance (the bridge then dials it), deleting unlinks it and forgets the token; the
 * runtime-only ones were refused when asked (party/rooms/autopilot/features/instance-store/instances.ts). Unpair goes to
 * the gateway like a hosted one's.
 */
export async function runLinkedOperation(deps: OperationDeps, approval: Approval): Promise<void> {
  const action = approval.action;
  if (action?.kind !== "instance") return;
  const { operation, instanceId } = action;
  const name = action.name ?? instanceId;
  const jobId = startApprovedJob(deps.commit, approval);
  const done = (message: string) => deps.commit(null, (ctx) => finishRoomJob(ctx, jobId, message));
  const fail = (message: string) => deps.commit(null, (ctx) => failRoomJob(ctx, jobId, message));
  try {
    switch (operation) {
      case "link": {
        const existing = getInstance(deps.sql, instanceId);
        if (existing && existing.status !== "stopped") {
          // Someone provisioned the same id while the link waited: the link loses.
          dropLinkRequest(deps.sql, approval.id);
          throw new Error(`instance ${instanceId} already exists`);
        }
        deps.commit(null, (ctx) => {
          const link = activateLink(ctx.sql, approval.id);
          if (!link) throw new Error("the link request is gone");
          const now = ctx.now;
          putInstance(ctx, {
            id: instanceId,
            name,
            kind: "linked",
            url: link.url,
            status: "ready",
            phase: "ready",
            progress: 100,
            error: null,
            threadIds: [],
            jobId,
            bridge: "connecting",
            bridgeError: null,
            createdBy: approval.requestedBy,
            createdAt: now,
            updatedAt: now,
          });
        });
        done("linked; the Autopilot is connecting to the gateway");
        break;
      }
      case "delete":
        deps.deleting?.(instanceId, true);
        deps.commit(null, (ctx) => {
          removeInstance(ctx, instanceId);
          dropLink(ctx.sql, instanceId);
        });
        done("unlinked");
        break;
      case "unpair":
        done(await unpairDevice(deps, instanceId, action.deviceId));
        break;
      default:
        throw new Error(`${operation} is for the linked gateway's owner to do`);
    }
  } catch (error) {
    operationFailed(deps, "linked instance operation failed", action, error, fail);
  }
}
