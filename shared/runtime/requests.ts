// What a runtime API request carries: the routes, their path parameters and the status
// route's query. Identifiers arrive in URLs and end up in file paths and object keys, so
// they are validated before anything else; both patterns exclude "." and "/" so a valid id
// can never climb out of its directory.
import { z } from "zod";
import { v4Private, v6PrivateReason } from "../ip-address";

export const RUNTIME_API_VERSION = "1";
/** Upper bound for `?waitMs=` long polls on the status route. */
export const MAX_WAIT_MS = 60_000;

/** Route patterns (Hono syntax), shared by the runtime's router and the Autopilot's client. */
export const RUNTIME_ROUTES = {
  health: "/v1/health",
  list: "/v1/workspaces/:workspaceId/instances",
  instance: "/v1/workspaces/:workspaceId/instances/:instanceId",
  restart: "/v1/workspaces/:workspaceId/instances/:instanceId/restart",
  /** POST: the gateway goes to sleep (its process stopped, its state kept); a PUT wakes it. */
  sleep: "/v1/workspaces/:workspaceId/instances/:instanceId/sleep",
  backups: "/v1/workspaces/:workspaceId/instances/:instanceId/backups",
  restore: "/v1/workspaces/:workspaceId/instances/:instanceId/restore",
  credentials: "/v1/workspaces/:workspaceId/instances/:instanceId/credentials",
  /** A skill installed in the agent's workspace (`skills/<slug>`): DELETE removes its folder. */
  skill: "/v1/workspaces/:workspaceId/instances/:instanceId/skills/:slug",
  usage: "/v1/workspaces/:workspaceId/instances/:instanceId/usage",
  workspaceUsage: "/v1/workspaces/:workspaceId/usage",
  /** Whether the workspace's gateways may spend on the model (shared/runtime/spend.ts). */
  spend: "/v1/workspaces/:workspaceId/spend",
  gateway: "/v1/workspaces/:workspaceId/instances/:instanceId/gateway",
  /** The device entry: the gateway's own protocol and pairing, no token added (ws-proxy.ts). */
  device: "/v1/workspaces/:workspaceId/instances/:instanceId/device",
} as const;

export type RuntimeRoute = keyof typeof RUNTIME_ROUTES;

/** Methods each route accepts (anything else is a 405 with an Allow header). */
export const ROUTE_METHODS: Record<RuntimeRoute, readonly string[]> = {
  health: ["GET"],
  list: ["GET"],
  instance: ["GET", "PUT", "DELETE"],
  restart: ["POST"],
  sleep: ["POST"],
  backups: ["GET", "POST"],
  restore: ["POST"],
  credentials: ["GET"],
  skill: ["DELETE"],
  usage: ["GET"],
  workspaceUsage: ["GET"],
  spend: ["GET", "PUT"],
  gateway: ["GET"],
  device: ["GET"],
};

/** The path of an instance route, ids encoded. */
export function instancePath(
  workspaceId: string,
  instanceId: string,
  action?: "restart" | "sleep" | "backups" | "restore" | "credentials" | "usage" | "gateway" | "device",
): string {
  return `/v1/workspaces/${encodeURIComponent(workspaceId)}/instances/${encodeURIComponent(instanceId)}${action ? `/${action}` : ""}`;
}

/** The path of an installed skill of an instance, ids encoded. */
export function skillPath(workspaceId: string, instanceId: string, slug: string): string {
  return `${instancePath(workspaceId, instanceId)}/skills/${encodeURIComponent(slug)}`;
}

/** The path of a workspace route, its id encoded. */
export function workspacePath(workspaceId: string, action: "instances" | "usage" | "spend"): string {
  return `/v1/workspaces/${encodeURIComponent(workspaceId)}/${action}`;
}

/** Instance ids are lower-case slugs: they name directories, ports and log lines. */
export const instanceIdSchema = z
  .string()
  .regex(
    /^[a-z0-9](?:[a-z0-9-]{0,46}[a-z0-9])?$/,
    "instance id must be a lower-case slug: a-z, 0-9 and inner '-', 1 to 48 characters",
  );
/** Workspace ids come from the auth layer (better-auth organization ids are mixed case). */
export const workspaceIdSchema = z
  .string()
  .regex(
    /^[A-Za-z0-9](?:[A-Za-z0-9_-]{0,62}[A-Za-z0-9])?$/,
    "workspace id must be 1 to 64 characters: letters, digits, inner '-' or '_'",
  );

export const workspaceParamsSchema = z.object({ workspaceId: workspaceIdSchema });
export const instanceParamsSchema = z.object({ workspaceId: workspaceIdSchema, instanceId: instanceIdSchema });
/**
 * A skill's folder name in the agent's workspace (as shared/protocol/skills.ts SkillSlug): no
 * "." and no "/", so `skills/<slug>` never leaves the skills directory.
 */
export const skillSlugSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,63}$/, "a skill's slug: lower-case letters, digits and '-', 1 to 64 characters");
export const skillParamsSchema = instanceParamsSchema.extend({ slug: skillSlugSchema });
export type InstanceRef = z.infer<typeof instanceParamsSchema>;

const nonNegativeInt = z.string().transform(Number).pipe(z.number().int().nonnegative());

/** `GET …/:id?sinceVersion=&waitMs=`: with both, a long poll; otherwise the status now. */
export const statusQuerySchema = z.object({
  sinceVersion: nonNegativeInt.optional(),
  waitMs: nonNegativeInt.optional(),
});
export const STATUS_QUERY_MESSAGE = "waitMs and sinceVersion must be non-negative integers";

/** Backup names are the hosts' timestamps (backup.ts, sandbox-backups.ts): never a path. */
export const backupNameSchema = z
  .string()
  .regex(
    /^\d{4}-\d\d-\d\dT[\d-]+Z\.tar\.gz$/,
    "backup must be a backup name as listed, e.g. 2026-01-31T12-00-00-000Z.tar.gz",
  );

/** `POST …/:id/backups?keep=N`: after the new backup, only the newest N are kept. */
export const backupQuerySchema = z.object({
  keep: z.string().transform(Number).pipe(z.number().int().min(1).max(1000)).optional(),
});
export const BACKUP_QUERY_MESSAGE = "keep must be an integer from 1 to 1000";

/** `POST …/:id/restore?backup=<name>`: the gateway restarts from that backup. */
export const restoreQuerySchema = z.object({ backup: backupNameSchema });

/**
 * The client address the device entry reports to the gateway: a documentation address
 * (RFC 5737), not private and not loopback, so the gateway sees a remote peer; the device's
 * real address is not known to the runtime (the party Worker is its only client). The room
 * names it "the device entry" when a gateway reports it.
 */
export const DEVICE_CLIENT_ADDRESS = "192.0.2.1";

/** The header the party Worker names a device's address in (`…/:id/device` only, behind the service token). */
export const DEVICE_ADDRESS_HEADER = "x-device-address";

/** Documentation ranges (RFC 5737): the entry's own stand-in is one, so none passes for a device's address. */
const DOCUMENTATION_V4 = ["192.0.2.", "198.51.100.", "203.0.113."];

/** Whether an address is a public one (shared/ip-address.ts), and not a documentation address. */
function publicAddress(address: string): boolean {
  const v4 = v4Private(address);
  if (v4 !== null) return !v4 && !DOCUMENTATION_V4.some((prefix) => address.startsWith(prefix));
  return v6PrivateReason(address) === null;
}

/**
 * What a gateway is told a device's address is (`X-Forwarded-For` on the device entry): its
 * own public address, so the gateway's per-address limits are the device's; anything else
 * (none, private, loopback, malformed) becomes DEVICE_CLIENT_ADDRESS. Never a private or
 * loopback one: the gateway pairs local peers silently and SSH-checks private ones.
 */
export function deviceForwardedFor(address: string | null | undefined): string {
  const value = address?.trim() ?? "";
  return publicAddress(value) ? value : DEVICE_CLIENT_ADDRESS;
}
