import type { Env } from "../../env";
import type { HatcheryRates } from "./meter";

/** The Hatchery's limits (docs/operations.md, "Limits"), from `[vars]`; a missing or bad value takes the default. */
export interface HatcheryLimits extends HatcheryRates {
  maxFrameBytes: number;
  maxDocBytes: number;
  maxAwarenessBytes: number;
  maxPersonNodes: number;
  maxEdges: number;
}

const num = (value: string | undefined, fallback: number) => {
  const n = Number(value);
  return value !== undefined && value !== "" && Number.isFinite(n) && n > 0 ? n : fallback;
};

export function hatcheryLimits(env: Env): HatcheryLimits {
  return {
    maxFrameBytes: num(env.HATCHERY_MAX_FRAME_BYTES, 256 * 1024),
    maxDocBytes: num(env.HATCHERY_MAX_DOC_BYTES, 4 * 1024 * 1024),
    maxAwarenessBytes: num(env.HATCHERY_MAX_AWARENESS_BYTES, 2048),
    maxPersonNodes: num(env.HATCHERY_MAX_PERSON_NODES, 2000),
    maxEdges: num(env.HATCHERY_MAX_EDGES, 5000),
    perConnection: { perSecond: num(env.HATCHERY_FRAMES_PER_SECOND, 100), burst: num(env.HATCHERY_FRAME_BURST, 300) },
    perPrincipal: {
      perSecond: num(env.HATCHERY_PRINCIPAL_FRAMES_PER_SECOND, 200),
      burst: num(env.HATCHERY_PRINCIPAL_FRAME_BURST, 600),
    },
  };
}
