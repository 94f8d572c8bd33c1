import type { Autopilot } from "./rooms/autopilot";
import type { Hatchery } from "./rooms/hatchery";

export interface Env {
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
}
