// The `data` of each successful runtime API answer.
import { z } from "zod";
import { instanceStatusSchema } from "./status";

/** `GET /v1/health`. `model` is null when gateways have no model configured. */
export const healthSchema = z.object({
  status: z.literal("ok"),
  apiVersion: z.string(),
  host: z.enum(["process", "sandbox"]),
  gateways: z.object({ active: z.number().int().nonnegative(), max: z.number().int().nonnegative() }),
  model: z.object({ id: z.string(), baseUrl: z.string() }).nullable(),
});
export type Health = z.infer<typeof healthSchema>;

/** `GET /v1/workspaces/:ws/instances`. */
export const instanceListSchema = z.object({ instances: z.array(instanceStatusSchema) });

/** A backup as callers see it (where the host keeps it is internal). */
export const backupSchema = z.object({
  name: z.string(),
  sizeBytes: z.number().int().nonnegative(),
  createdAt: z.string(),
});
export type Backup = z.infer<typeof backupSchema>;

/** `POST …/:id/backups`: the new backup and the names retention removed (oldest first). */
export const backupCreatedSchema = backupSchema.extend({ pruned: z.array(z.string()).default([]) });
export type BackupCreated = z.infer<typeof backupCreatedSchema>;

/** `GET …/:id/backups`. */
export const backupListSchema = z.object({ backups: z.array(backupSchema) });

export const deleteModeSchema = z.enum(["remove", "archive"]);
export type DeleteMode = z.infer<typeof deleteModeSchema>;

/** `DELETE …/:id`. */
export const deleteOutcomeSchema = z.object({
  deleted: z.literal(true),
  mode: deleteModeSchema,
  archive: backupSchema.nullable(),
});
export type DeleteOutcome = z.infer<typeof deleteOutcomeSchema>;

/**
 * `GET …/:id/credentials`: the gateway token, server to server only (the caller holds the
 * service token). The Autopilot signs its Ed25519 device identity over it on its first
 * connect; it never goes to a browser or an agent.
 */
export const credentialsSchema = z.object({ token: z.string().min(1) });
export type GatewayCredentials = z.infer<typeof credentialsSchema>;

/** `DELETE …/skills/:slug`: whether a folder was there to remove. */
export const skillRemovedSchema = z.object({
  slug: z.string(),
  removed: z.boolean(),
});
export type SkillRemoved = z.infer<typeof skillRemovedSchema>;
