import type { z } from "zod";
import type { Approval } from "../../../../../shared/protocol/approvals";
import type {
  Instance,
  InstanceOperation,
  InstanceOperationParams,
  InstancesAttachParams,
  InstancesUpdateParams,
  InstancesProvisionParams,
  InstancesRestoreParams,
  InstanceStatus,
  InstancesUnpairParams,
} from "../../../../../shared/protocol/instances";
import { deleteDetails, restoreDetails, unlinkDetails, unpairDetails } from "../../../../../shared/instance-texts";
import { requestApproval } from "../approvals/index";
import { asc } from "drizzle-orm";
import type { OpContext } from "../../kernel/commit";
import { excluded } from "../../../../domain/db/client";
import { instances } from "./tables";
import { RoomError } from "../../../../domain/errors";
import type { Sql } from "../../../../domain/sql";
import { docById } from "../../kernel/paging";
import { bindThread, sessionKeyForThread, unbindThread } from "./gateway-bindings";
import { requireThread, updateThread } from "../threads/index";
import { readable } from "../../../../records/codec";
import { instanceRecord } from "../../../../records/documents";

/** How long a gated instance operation waits for a decision. */
export const INSTANCE_APPROVAL_TTL_MS = 24 * 60 * 60 * 1000;

export function getInstance(sql: Sql, id: string): Instance | null {
  return docById(sql, instances, id, (doc) => instanceRecord.decode(doc));
}

/** The instance `id` read as, or a not_found error: one deleted (stopped) is not there for anyone to use. */
function found(instance: Instance | null, id: string): Instance {
  if (!instance || instance.status === "stopped")
    throw new RoomError("not_found", `no instance ${id}`, { instanceId: id });
  return instance;
}

export const requireInstance = (sql: Sql, id: string): Instance => found(getInstance(sql, id), id);

/** A conflict while the instance is provisioning or starting: an operation or a change waits until it is ready. */
export function refuseBusy(instance: Instance): void {
  if (BUSY.has(instance.status))
    throw new RoomError("conflict", `instance ${instance.id} is ${instance.status}: wait until it is ready`, {
      instanceId: instance.id,
    });
}

export function listInstances(sql: Sql): Instance[] {
  const rows = sql.db.select({ doc: instances.doc }).from(instances).orderBy(asc(instances.createdAt)).all();
  return readable(rows, (r) => instanceRecord.decode(r.doc));
}

export function putInstance(ctx: OpContext, instance: Instance): Instance {
  ctx.sql.db
    .insert(instances)
    .values({
      id: instance.id,
      status: instance.status,
      createdAt: instance.createdAt,
      doc: instanceRecord.encode(instance),
    })
    .onConflictDoUpdate({ target: instances.id, set: { status: excluded("status"), doc: excluded("doc") } })
    .run();
  ctx.emit("instance.updated", { instance });
  return instance;
}

const BUSY: ReadonlySet<InstanceStatus> = new Set(["provisioning", "starting"]);

export const TITLES: Record<InstanceOperation, (name: string) => string> = {
  provision: (n) => `Provision OpenClaw instance "${n}"`,
  restart: (n) => `Restart OpenClaw instance "${n}"`,
  backup: (n) => `Back up OpenClaw instance "${n}"`,
  restore: (n) => `Restore OpenClaw instance "${n}" from a backup`,
  unpair: (n) => `Unpair a device from OpenClaw instance "${n}"`,
  delete: (n) => `Delete OpenClaw instance "${n}"`,
  link: (n) => `Link OpenClaw gateway "${n}"`,
  // Filed by party/rooms/autopilot/features/gateway-channels/requests.ts, which names the channel.
  configureChannel: (n) => `Connect a channel to OpenClaw instance "${n}"`,
  disconnectChannel: (n) => `Disconnect a channel from OpenClaw instance "${n}"`,
  channelAccess: (n) => `Change who may message OpenClaw instance "${n}"`,
  // Filed by party/rooms/autopilot/features/gateway-skills/requests.ts, which names the skill.
  installSkill: (n) => `Install a skill on OpenClaw instance "${n}"`,
  configureSkill: (n) => `Change a skill of OpenClaw instance "${n}"`,
  removeSkill: (n) => `Remove a skill from OpenClaw instance "${n}"`,
  // Filed by party/rooms/autopilot/features/instance-tools/, which names the tool.
  invokeTool: (n) => `Run a tool of OpenClaw instance "${n}"`,
  // Filed by party/rooms/autopilot/features/instance-config/, which says the change.
  patchConfig: (n) => `Change the config of OpenClaw instance "${n}"`,
};

const DETAILS: Record<InstanceOperation, (instance: Instance | null, target?: string) => string> = {
  provision: () => "Starts a hosted OpenClaw gateway for this workspace (about 1 GB of memory; ~15 s to start).",
  restart: () => "Restarts the gateway; running chats are interrupted and resume after it is back.",
  backup: () => "Archives the gateway's state (its sessions, memory, settings and paired devices).",
  restore: (_instance, backupId) => restoreDetails(backupId ?? "?"),
  unpair: (_instance, deviceId) => unpairDetails(deviceId ?? "?"),
  delete: (instance) => (instance?.kind === "linked" ? unlinkDetails : deleteDetails)(instance?.threadIds.length ?? 0),
  // Filed by gateway-links.ts, which knows the address, and party/rooms/autopilot/features/gateway-channels/requests.ts.
  link: () => "",
  configureChannel: () => "",
  disconnectChannel: () => "",
  channelAccess: () => "",
  installSkill: () => "",
  configureSkill: () => "",
  removeSkill: () => "",
  invokeTool: () => "",
  patchConfig: () => "",
};

/** What only our runtime can do: a linked gateway's owner does these on their own machine. */
const RUNTIME_ONLY: ReadonlySet<InstanceOperation> = new Set(["provision", "restart", "backup", "restore"]);

/** Hours in an average month: what running all month costs, in words a person weighs. */
const HOURS_A_MONTH = 730;

/** What a hosted instance costs while it runs, said before a person approves starting one. */
export const runningCost = (hourly: number): string =>
  `While it runs it costs ${hourly.toLocaleString("en-US")} credits an hour (about ${(hourly * HOURS_A_MONTH).toLocaleString("en-US")} credits if it runs all month).`;

/**
 * Asks a person to confirm an instance operation; the room runs it once approved. With
 * `forThread` (instances.startChat) the approval belongs to that thread and says so; with
 * `hourly` (the operator's price of an instance hour) starting one says what it costs.
 */
export function requestInstanceOperation(
  ctx: OpContext,
  operation: InstanceOperation,
  params:
    | z.output<typeof InstancesProvisionParams>
    | z.output<typeof InstanceOperationParams>
    | z.output<typeof InstancesRestoreParams>
    | z.output<typeof InstancesUnpairParams>,
  more: { forThread?: { threadId: string; details: string }; hourly?: number } = {},
): { approval: Approval } {
  const { forThread, hourly } = more;
  const existing = getInstance(ctx.sql, params.instanceId);
  if (operation === "provision") {
    if (existing && existing.status !== "stopped")
      throw new RoomError("conflict", `instance ${existing.id} already exists (${existing.status})`, {
        instanceId: existing.id,
      });
  } else {
    const live = found(existing, params.instanceId);
    refuseBusy(live);
    if (live.kind === "linked" && RUNTIME_ONLY.has(operation)) {
      throw new RoomError(
        "conflict",
        `instance ${live.id} is a linked gateway: ${operation} is for its owner to do on the gateway itself`,
        { instanceId: live.id, kind: "linked", operation },
      );
    }
  }
  const name = ("name" in params && params.name) || existing?.name || params.instanceId;
  const backupId = "backupId" in params ? params.backupId : undefined;
  const deviceId = "deviceId" in params ? params.deviceId : undefined;
  return requestApproval(
    ctx,
    {
      title: TITLES[operation](name),
      details: [
        DETAILS[operation](existing, backupId ?? deviceId),
        operation === "provision" && hourly !== undefined ? runningCost(hourly) : "",
        forThread?.details,
      ]
        .filter(Boolean)
        .join(" "),
      ...(forThread ? { threadId: forThread.threadId } : {}),
      risk: operation === "delete" ? "critical" : operation === "backup" ? "low" : "high",
      idempotencyKey: params.idempotencyKey,
    },
    {
      kind: "instance",
      operation,
      instanceId: params.instanceId,
      name,
      ...(backupId ? { backupId } : {}),
      ...(deviceId ? { deviceId } : {}),
    },
    INSTANCE_APPROVAL_TTL_MS,
  );
}

/**
 * Binds a thread to an instance: its messages go to a gateway session of its own (or the
 * session it was opened from). A thread talks to one instance at a time.
 */
export function attachInstance(
  ctx: OpContext,
  params: z.output<typeof InstancesAttachParams>,
  attach: boolean,
): { instance: Instance } {
  const existing = requireInstance(ctx.sql, params.instanceId);
  const thread = requireThread(ctx.sql, params.threadId);
  if (attach && thread.gateway && thread.gateway.instanceId !== existing.id) {
    throw new RoomError("conflict", `thread is attached to instance ${thread.gateway.instanceId}: detach it first`, {
      threadId: thread.id,
      instanceId: thread.gateway.instanceId,
    });
  }
  if (attach && !thread.gateway) {
    const gateway = { instanceId: existing.id, sessionKey: sessionKeyForThread(thread.id) };
    updateThread(ctx, { ...thread, gateway, responder: { ...thread.responder, kind: "openclaw", reply: "every" } });
    bindThread(ctx.sql, thread.id, gateway);
  } else if (!attach && thread.gateway?.instanceId === existing.id) {
    updateThread(ctx, {
      ...thread,
      gateway: null,
      responder:
        thread.responder.kind === "openclaw" ? { ...thread.responder, kind: "none", reply: "every" } : thread.responder,
    });
    unbindThread(ctx.sql, thread.id);
  }
  const has = existing.threadIds.includes(params.threadId);
  if (has === attach) return { instance: existing };
  const threadIds = attach
    ? [...existing.threadIds, params.threadId]
    : existing.threadIds.filter((t) => t !== params.threadId);
  return { instance: putInstance(ctx, { ...existing, threadIds, updatedAt: ctx.now }) };
}

/**
 * A new name for an instance, told to everyone; a stopped one is gone and keeps its last name.
 * (A new model was set on its gateway before this runs: features/instances/model.ts.)
 */
export function renameInstance(ctx: OpContext, params: z.output<typeof InstancesUpdateParams>): { instance: Instance } {
  const existing = requireInstance(ctx.sql, params.instanceId);
  if (existing.status === "stopped")
    throw new RoomError("conflict", "the instance was deleted", { instanceId: existing.id });
  if (params.name === undefined || existing.name === params.name) return { instance: existing };
  return { instance: putInstance(ctx, { ...existing, name: params.name, updatedAt: ctx.now }) };
}
