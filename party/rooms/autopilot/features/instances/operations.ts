import type { Approval } from "../../../../../shared/protocol/approvals";
import {
  CHANNEL_OPERATIONS,
  CONFIG_OPERATIONS,
  type Instance,
  type InstanceOperation,
  SKILL_OPERATIONS,
  TOOL_OPERATIONS,
} from "../../../../../shared/protocol/instances";
import type { Commit, OpContext } from "../../kernel/commit";
import type { RoomServices } from "../../kernel/services";
import {
  bindingsOf,
  forgetInstance,
  gatewayNotConnected,
  getInstance,
  mirrorStatus,
  pendingGatewayApprovals,
  putInstance,
  type RuntimeClient,
  type RuntimeInstanceStatus,
  unbindThread,
} from "../instance-store";
import { failRoomJob, finishRoomJob, startJob } from "../jobs/index";
import { pendingInstanceApprovals, settleApproval } from "../approvals/index";
import type { Sql } from "../../../../domain/sql";
import { appendMessage, getThread, updateThread } from "../threads/index";
import { dropChannelRequests, type GatewayCaller } from "../gateway-channels";
import { dropSkillRequests } from "../gateway-skills";
import { startFailed, withRetries } from "./retries";

/** The changes asked of an instance's gateway (its channels, skills, tools and config): a deleted instance's expire. */
const GATEWAY_CHANGES: ReadonlySet<InstanceOperation> = new Set([
  ...CHANNEL_OPERATIONS,
  ...SKILL_OPERATIONS,
  ...TOOL_OPERATIONS,
  ...CONFIG_OPERATIONS,
]);

export interface OperationDeps {
  sql: Sql;
  commit: Commit;
  workspaceId: string;
  /** The Worker secret the secrets held for a decision are sealed under (BETTER_AUTH_SECRET; gateway-channels/requests.ts). */
  sealingSecret: string;
  runtime: RuntimeClient | null;
  /** The instance's live gateway link (its bridge), for operations on the gateway itself. */
  gateway?(
    instanceId: string,
  ): { unpair(deviceId: string): Promise<void>; readonly channels?: GatewayCaller } | undefined;
  /** Retention: every backup (by hand or scheduled) keeps only the newest this many. */
  backupKeep: number;
  /**
   * Called before a delete reaches the runtime: the room stops the instance's bridge
   * first, or the bridge would see the gateway gone and start it again.
   */
  deleting?(instanceId: string, active: boolean): void;
  /**
   * Set from a (re)start's approval until the runtime answers it: meanwhile the instance's
   * bridge may read a status from before the operation (a restarting gateway still "ready")
   * and must not mirror it; the operation's own watch reads only after the answer.
   */
  awaitingRuntime?(instanceId: string, active: boolean): void;
  /** The waits before an operation that failed for a passing reason is tried again (retries.ts). */
  retryDelaysMs?: readonly number[];
  /**
   * Why an approved (re)start may not run now (the plan's limit of running instances, the
   * balance), checked again when it runs: it was decided maybe hours after it was asked. Null: it may.
   */
  startRefusal?(ctx: OpContext, instanceId: string): string | null;
  /** Before the runtime is asked to start a gateway: the room tells it whether the workspace's gateways may spend. */
  beforeStart?(): Promise<void>;
  /** An event to some of the room's sockets (a channel change pushes where a WhatsApp link stands). */
  toScope?: RoomServices["toScope"];
}

const LONG_POLL_MS = 20_000;

/**
 * Follows a starting gateway until it is ready, failed or stopped, mirroring every phase
 * into the instance (live for every client) and its job (a progress bar). The runtime
 * long-polls, so this costs one request per change, not a polling loop. With
 * `mirrorFailure: false` a failed start is left to the caller (which may try again): it is
 * returned, not written as the instance's end.
 */
export async function watchInstance(
  deps: OperationDeps,
  instanceId: string,
  { mirrorFailure = true } = {},
): Promise<RuntimeInstanceStatus | null> {
  if (!deps.runtime) return null;
  let version = 0;
  for (;;) {
    const status = await deps.runtime.status(deps.workspaceId, instanceId, version, LONG_POLL_MS);
    version = status.version;
    if (status.state === "error" && !mirrorFailure) return status;
    const instance = mirrorStatus(deps, instanceId, status);
    if (!instance || status.state === "ready" || status.state === "error" || status.state === "stopped") return status;
  }
}

/** A backup job's closing line: the archive made and what retention removed. */
export function backupMessage(backup: { name: string; pruned: string[] }): string {
  return `backed up: ${backup.name}${backup.pruned.length > 0 ? `; removed ${backup.pruned.length} older (${backup.pruned.join(", ")})` : ""}`;
}

/**
 * The room's side of a deleted (or unlinked) instance, in the delete's own transaction:
 * stopped, its threads detached (a thread it answered has no responder now, and says so
 * in a line of its own; a finished chat start is cleared), its gateway's open requests
 * expired, its sessions and the bridge's stored state forgotten. Clients and the canvas
 * then show what the room holds, with nothing of the instance left to act on.
 */
export function removeInstance(ctx: OpContext, instanceId: string): void {
  const current = getInstance(ctx.sql, instanceId);
  const name = current?.name ?? instanceId;
  const gone = current?.kind === "linked" ? "unlinked" : "deleted";
  if (current)
    putInstance(ctx, {
      ...current,
      status: "stopped",
      phase: "stopped",
      progress: 0,
      threadIds: [],
      bridge: "offline",
      bridgeError: null,
      updatedAt: ctx.now,
    });
  // Its threads go back to being plain threads; a new instance of the same name is a new gateway.
  for (const binding of bindingsOf(ctx.sql, instanceId)) {
    unbindThread(ctx.sql, binding.threadId);
    const thread = getThread(ctx.sql, binding.threadId);
    if (!thread) continue;
    const responder =
      thread.responder.kind === "openclaw"
        ? { ...thread.responder, kind: "none" as const, reply: "every" as const }
        : thread.responder;
    // The start (if any) ended when it attached the thread: nothing of it is left to show.
    const { chatStart: _ended, ...rest } = thread;
    const detached = updateThread(ctx, { ...rest, gateway: null, responder });
    const now =
      responder.kind === "autopilot"
        ? "the Autopilot still answers here, without its OpenClaw tools"
        : "this thread has no responder now";
    appendMessage(ctx, detached, ctx.actor, `OpenClaw instance ${name} was ${gone}: ${now}.`);
  }
  // Its gateway's open requests die with it, and so do the channel and skill changes asked for it
  // (what they would set, a bot token or a skill's key included, is dropped just below: nothing is left to apply).
  for (const approval of pendingGatewayApprovals(ctx.sql, instanceId))
    settleApproval(ctx, approval, "expired", "the OpenClaw instance was deleted");
  for (const approval of pendingInstanceApprovals(ctx.sql, instanceId, GATEWAY_CHANGES))
    settleApproval(ctx, approval, "expired", `the OpenClaw instance was ${gone}`);
  forgetInstance(ctx.sql, instanceId);
  dropChannelRequests(ctx.sql, instanceId);
  dropSkillRequests(ctx.sql, instanceId);
}

/** Revokes a paired device through the instance's gateway (hosted or linked alike); the job's closing line. */
export async function unpairDevice(
  deps: OperationDeps,
  instanceId: string,
  deviceId: string | undefined,
): Promise<string> {
  const gateway = deps.gateway?.(instanceId);
  if (!deviceId) throw new Error("the approval names no device to unpair");
  if (!gateway) throw gatewayNotConnected({ id: instanceId });
  await gateway.unpair(deviceId);
  return `unpaired ${deviceId}`;
}

/**
 * An approved operation that threw: logged, its job failed with why (`fail`), and an instance
 * whose delete failed is no longer held as being deleted.
 */
export function operationFailed(
  deps: OperationDeps,
  msg: string,
  action: { operation: string; instanceId: string },
  error: unknown,
  fail: (message: string) => void,
): void {
  const { operation, instanceId } = action;
  console.error(JSON.stringify({ msg, workspace: deps.workspaceId, instanceId, operation, error: String(error) }));
  fail(error instanceof Error ? error.message : String(error));
  if (operation === "delete") deps.deleting?.(instanceId, false);
}

/** Runs an approved instance operation (the approval carries what and on which instance). */
export async function runInstanceOperation(deps: OperationDeps, approval: Approval): Promise<void> {
  const action = approval.action;
  if (action?.kind !== "instance") return;
  const { operation, instanceId } = action;
  const name = action.name ?? instanceId;
  const starts = operation === "provision" || operation === "restart" || operation === "restore";
  const opened = deps.commit(null, (ctx) => {
    const { job } = startJob(ctx, {
      title: approval.title,
      message: "approved; starting",
      idempotencyKey: `room-op-${approval.id}`,
    });
    const existing = getInstance(ctx.sql, instanceId);
    // Refused before anything starts: the job says why. A running instance goes on as it was;
    // a new one is there only to show the reason (in error, which runs nothing and costs nothing).
    const refused = starts ? (deps.startRefusal?.(ctx, instanceId) ?? null) : null;
    if (refused) {
      if (operation === "provision" && (!existing || existing.status === "stopped"))
        putInstance(ctx, {
          ...(existing ?? { threadIds: [], createdBy: approval.requestedBy, createdAt: ctx.now }),
          id: instanceId,
          name,
          status: "error",
          phase: "queued",
          progress: 0,
          error: refused,
          jobId: job.id,
          updatedAt: ctx.now,
        });
      failRoomJob(ctx, job.id, refused);
      return { jobId: job.id, refused };
    }
    const base: Instance = existing ?? {
      id: instanceId,
      name,
      status: "provisioning",
      phase: "queued",
      progress: 0,
      error: null,
      threadIds: [],
      jobId: null,
      createdBy: approval.requestedBy,
      createdAt: ctx.now,
      updatedAt: ctx.now,
    };
    const busy = operation === "provision" || operation === "restart" || operation === "restore";
    putInstance(ctx, {
      ...base,
      ...(busy
        ? { status: operation === "provision" ? "provisioning" : "starting", phase: "queued", progress: 0, error: null }
        : {}),
      jobId: job.id,
      updatedAt: ctx.now,
    });
    return { jobId: job.id, refused: null };
  });
  if (opened.refused) return;
  const { jobId } = opened;
  const fail = (message: string) =>
    deps.commit(null, (ctx) => {
      const current = getInstance(ctx.sql, instanceId);
      const starting = operation === "provision" || operation === "restart" || operation === "restore";
      // A deleted instance stays deleted: only the job says this operation did not happen.
      if (current && current.status !== "stopped" && starting)
        putInstance(ctx, { ...current, status: "error", error: message, updatedAt: ctx.now });
      failRoomJob(ctx, jobId, message);
    });
  if (!deps.runtime) {
    fail("no OpenClaw runtime is configured: set RUNTIME_URL and RUNTIME_TENANT_KEY");
    return;
  }
  const runtime = deps.runtime;
  if (starts) await deps.beforeStart?.();
  // Until the start ends (retries included) the operation alone mirrors the runtime's status:
  // the bridge would write a failed try as the instance's end (OperationDeps.awaitingRuntime).
  if (starts) deps.awaitingRuntime?.(instanceId, true);
  const op = { operation, instanceId, jobId };
  /** Tries `attempt` as retries.ts says; the instance deleted before the next try ends it. */
  const retried = async <T>(attempt: () => Promise<T>): Promise<T> => {
    const outcome = await withRetries(deps, op, attempt);
    if (outcome === null) throw new Error("the OpenClaw instance was deleted before it could be tried again");
    return outcome;
  };
  /** One try of a (re)start: the runtime's answer, then the watch until the gateway is ready or failed. */
  const start = (call: () => Promise<unknown>) =>
    retried(async () => {
      await call();
      const status = await watchInstance(deps, instanceId, { mirrorFailure: false });
      if (status?.state === "error") throw startFailed(status.error);
      return true;
    });
  try {
    switch (operation) {
      case "provision":
        await start(() => runtime.provision(deps.workspaceId, instanceId));
        break;
      case "restart":
        await start(() => runtime.restart(deps.workspaceId, instanceId));
        break;
      case "backup": {
        const backup = await retried(() => runtime.backup(deps.workspaceId, instanceId, deps.backupKeep));
        deps.commit(null, (ctx) => finishRoomJob(ctx, jobId, backupMessage(backup)));
        break;
      }
      case "restore": {
        const { backupId } = action;
        if (!backupId) throw new Error("the approval names no backup to restore");
        await start(() => runtime.restore(deps.workspaceId, instanceId, backupId));
        break;
      }
      case "unpair": {
        const message = await unpairDevice(deps, instanceId, action.deviceId);
        deps.commit(null, (ctx) => finishRoomJob(ctx, jobId, message));
        break;
      }
      case "delete":
        deps.deleting?.(instanceId, true);
        await retried(() => runtime.delete(deps.workspaceId, instanceId));
        deps.commit(null, (ctx) => {
          removeInstance(ctx, instanceId);
          finishRoomJob(ctx, jobId, "deleted");
        });
        break;
    }
  } catch (error) {
    operationFailed(deps, "instance operation failed", action, error, fail);
  } finally {
    if (starts) deps.awaitingRuntime?.(instanceId, false);
  }
}
