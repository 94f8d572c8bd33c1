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
}
