import { z } from "zod";
import { EntityId, IdempotencyKey, Timestamp } from "./common";
import { Actor } from "./principal";

/** Lower-case slug, as the runtime requires (it derives process and sandbox names from it). */
export const InstanceId = z.string().regex(/^[a-z0-9](?:[a-z0-9-]{0,46}[a-z0-9])?$/, "lower-case letters, digits and inner dashes, 1-48 characters");

export const InstanceStatus = z.enum(["provisioning", "starting", "ready", "error", "stopped"]);
export type InstanceStatus = z.infer<typeof InstanceStatus>;

/** Risky instance operations wait for a person with the approve scope. */
export const InstanceOperation = z.enum(["provision", "restart", "backup", "delete"]);
export type InstanceOperation = z.infer<typeof InstanceOperation>;

export const Instance = z.object({
  id: InstanceId,
  name: z.string(),
  status: InstanceStatus,
  /** The runtime's current phase, e.g. "waiting for gateway handshake". */
  phase: z.string(),
  progress: z.number().min(0).max(100),
  error: z.string().nullable(),
  threadIds: z.array(EntityId),
  /** The job reporting the operation in progress (or the last one). */
  jobId: EntityId.nullable(),
  /** The Autopilot's live link to the gateway (protocol 4); `bridgeError` says why it is down. */
  bridge: z.enum(["connecting", "connected", "offline"]).optional(),
  bridgeError: z.string().nullable().optional(),
  createdBy: Actor,
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type Instance = z.infer<typeof Instance>;

export const InstancesProvisionParams = z.object({
  instanceId: InstanceId,
  name: z.string().trim().min(1).max(80).optional(),
  idempotencyKey: IdempotencyKey,
});
export const InstanceOperationParams = z.object({ instanceId: InstanceId, idempotencyKey: IdempotencyKey });
export const InstancesAttachParams = z.object({ instanceId: InstanceId, threadId: EntityId, idempotencyKey: IdempotencyKey });
export const InstanceResult = z.object({ instance: Instance });
export const InstancesListParams = z.object({}).default({});
export const InstancesListResult = z.object({ instances: z.array(Instance) });

export const InstanceEventPayload = z.object({ instance: Instance });
export const InstanceDeletedPayload = z.object({ instanceId: InstanceId });
