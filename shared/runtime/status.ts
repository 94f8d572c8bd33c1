// An instance's status as the runtime reports it. Never carries the gateway token.
import { z } from "zod";
import { runtimeErrorSchema } from "./errors";
import { instanceStateSchema, phaseEntrySchema, phaseSchema } from "./phases";

export const instanceStatusSchema = z.object({
  workspaceId: z.string(),
  instanceId: z.string(),
  state: instanceStateSchema,
  phase: phaseSchema,
  /** 0-100, for a progress bar while provisioning or restarting. */
  progress: z.number().min(0).max(100),
  /** The phases of the current (or last) start, in order. */
  phases: z.array(phaseEntrySchema),
  port: z.number().int().nullable(),
  pid: z.number().int().nullable(),
  gatewayVersion: z.string().nullable(),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  readyAt: z.string().nullable(),
  /** How long the last start took, from provision/restart to a successful handshake. */
  startupMs: z.number().nullable(),
  restarts: z.number().int().nonnegative(),
  restoredFrom: z.string().nullable(),
  error: runtimeErrorSchema.nullable(),
  /** Increases on every change; pass it back to wait for the next one. */
  version: z.number().int().nonnegative(),
});

export type InstanceStatus = z.infer<typeof instanceStatusSchema>;
