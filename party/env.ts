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
  /** Origins besides the request's own whose pages may use the session cookie (comma-separated; party/access/origin.ts). */
  APP_ORIGINS?: string;
  RATE_LIMIT_PER_SECOND?: string;
  RATE_LIMIT_BURST?: string;
  EVENT_LOG_RETAIN?: string;
  /** The OpenClaw runtime (process host locally, sandbox Worker in production); used by the gateway bridge. */
  RUNTIME_URL?: string;
  RUNTIME_SERVICE_TOKEN?: string;
}
