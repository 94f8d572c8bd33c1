import type { Env } from "../../env";
import { positive, type Rate } from "../shared/limits";
import type { MeterShape } from "../shared/meter";

/** Frames per second into the Hatchery, per connection and per principal across all its connections. */
export interface HatcheryRates {
  perConnection: Rate;
  /** One person's many tabs, one key's many sockets. */
  perPrincipal: Rate;
}

/** The Hatchery's shape of the one meter: no shared bucket, and a flooding socket is hung up on at its first refusal. */
export const HATCHERY_METER: MeterShape<keyof HatcheryRates> = {
  scopes: ["perConnection", "perPrincipal"],
  requester: "perConnection",
  refusalsBeforeClose: 0,
};

/** The Hatchery's limits (docs/operations.md, "Limits"), from `[vars]`; a missing or bad value takes the default. */
export interface HatcheryLimits extends HatcheryRates {
  maxFrameBytes: number;
  maxDocBytes: number;
  maxAwarenessBytes: number;
  maxPersonNodes: number;
  maxEdges: number;
}

export function hatcheryLimits(env: Env): HatcheryLimits {
  return {
    maxFrameBytes: positive(env.HATCHERY_MAX_FRAME_BYTES, 256 * 1024),
    maxDocBytes: positive(env.HATCHERY_MAX_DOC_BYTES, 4 * 1024 * 1024),
    maxAwarenessBytes: positive(env.HATCHERY_MAX_AWARENESS_BYTES, 2048),
    maxPersonNodes: positive(env.HATCHERY_MAX_PERSON_NODES, 2000),
    maxEdges: positive(env.HATCHERY_MAX_EDGES, 5000),
    perConnection: {
      perSecond: positive(env.HATCHERY_FRAMES_PER_SECOND, 100),
      burst: positive(env.HATCHERY_FRAME_BURST, 300),
    },
    perPrincipal: {
      perSecond: positive(env.HATCHERY_PRINCIPAL_FRAMES_PER_SECOND, 200),
      burst: positive(env.HATCHERY_PRINCIPAL_FRAME_BURST, 600),
    },
  };
}
