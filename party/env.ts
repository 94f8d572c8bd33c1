import type { Autopilot } from "./rooms/autopilot";

export interface Env {
  DB: D1Database;
  Autopilot: DurableObjectNamespace<Autopilot>;
  ASSETS: Fetcher;
  /** Signs session cookies. Local dev writes a random one to .dev.vars. */
  BETTER_AUTH_SECRET: string;
  RATE_LIMIT_PER_SECOND?: string;
  RATE_LIMIT_BURST?: string;
  EVENT_LOG_RETAIN?: string;
}
