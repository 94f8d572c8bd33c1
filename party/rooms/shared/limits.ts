import type { Env } from "../../env";

/** A token bucket's shape: `burst` requests at once, refilled at `perSecond`. */
export interface Rate {
  perSecond: number;
  burst: number;
}

/** The limits of a workspace's rooms (docs/operations.md, "Limits"), from the Worker's vars. */
export interface RoomLimits {
  /** Requests of one socket. */
  connection: Rate;
  /** Requests of one principal, over all its sockets in the room. */
  principal: Rate;
  /** Requests of everyone in the workspace's Autopilot together. */
  workspace: Rate;
  /** Open sockets of one principal, in each room (Autopilot, Hatchery). */
  connectionsPerPrincipal: number;
}

/** A positive number from a var, or the default when it is unset or not one (every room's limits read their vars so). */
export function positive(value: string | undefined, fallback: number): number {
  const n = Number(value);
  return value !== undefined && Number.isFinite(n) && n > 0 ? n : fallback;
}

export function readRoomLimits(env: Env): RoomLimits {
  return {
    connection: {
      perSecond: positive(env.RATE_LIMIT_PER_SECOND, 50),
      burst: Math.floor(positive(env.RATE_LIMIT_BURST, 100)),
    },
    principal: {
      perSecond: positive(env.PRINCIPAL_RATE_LIMIT_PER_SECOND, 100),
      burst: Math.floor(positive(env.PRINCIPAL_RATE_LIMIT_BURST, 200)),
    },
    // Half the ~1,000 req/s a Durable Object is good for: the rest is for gateways, the
    // Hatchery's pulls and the Autopilot's own agent.
    workspace: {
      perSecond: positive(env.WORKSPACE_RATE_LIMIT_PER_SECOND, 500),
      burst: Math.floor(positive(env.WORKSPACE_RATE_LIMIT_BURST, 1000)),
    },
    connectionsPerPrincipal: Math.floor(positive(env.MAX_CONNECTIONS_PER_PRINCIPAL, 32)),
  };
}
