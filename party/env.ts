import type { ModelEnv } from "./agent/config";
import type { Autopilot } from "./rooms/autopilot";
import type { Hatchery } from "./rooms/hatchery";

/** AUTOPILOT_MODEL_* (party/agent/config.ts): the Autopilot's own model; the key is a secret. */
export interface Env extends ModelEnv {
  DB: D1Database;
  Autopilot: DurableObjectNamespace<Autopilot>;
  Hatchery: DurableObjectNamespace<Hatchery>;
  ASSETS: Fetcher;
  /** Signs session cookies. Local dev writes a random one to .dev.vars. */
  BETTER_AUTH_SECRET: string;
  RATE_LIMIT_PER_SECOND?: string;
  RATE_LIMIT_BURST?: string;
  EVENT_LOG_RETAIN?: string;
  /** The OpenClaw runtime (process host locally, sandbox Worker in production); used by the gateway bridge. */
  RUNTIME_URL?: string;
  RUNTIME_SERVICE_TOKEN?: string;
  /** Scheduled backups of every ready instance: seconds between runs (0 = off) and archives kept (party/domain/backup-policy.ts). */
  BACKUP_INTERVAL_SECONDS?: string;
  BACKUP_KEEP?: string;
  /** `open` (default) or `waitlist`: party/auth/signup-policy.ts. */
  SIGNUP_MODE?: string;
  /** Comma-separated addresses that become operators (`/admin`) at sign-up. */
  ADMIN_EMAILS?: string;
}
