import { MAX_MESSAGE_TEXT } from "../../../../../shared/protocol/common";

/**
 * What the room takes from any gateway, hosted or linked (docs/operations.md, "Limits"), from the
 * Worker's vars. Both run agents their tenant controls, and a linked one is anyone's
 * server: each frame, each streamed reply and each filed request is bounded like a
 * client's before it reaches the room or the other people in it.
 */
export interface GatewayLimits {
  /** One frame from the gateway, in UTF-8 bytes: larger ones are dropped unread. */
  maxFrameBytes: number;
  /**
   * The live text of one streamed reply, in characters: past it the stream shows no more
   * (the reply still lands whole, clipped like any message). Rewrites count: relaying
   * stops for good once twice this much text was sent for the run.
   */
  maxRunChars: number;
  /** Replies one gateway may stream at once; more are not streamed (their replies still land). */
  maxLiveRuns: number;
  /** Pending approvals standing for one gateway's requests; more are not filed. */
  maxPendingApprovals: number;
  /** What a hello carries of the replies being streamed, all together, in UTF-8 bytes. */
  helloStreamBytes: number;
}

export const DEFAULT_GATEWAY_LIMITS: GatewayLimits = {
  // The bridge asks for histories of at most half this (historyBytes), so a gateway's
  // legitimate answers fit; its deltas and events are far smaller.
  maxFrameBytes: 1024 * 1024,
  // A reply lands clipped to what a person could post: streaming more shows text that goes.
  maxRunChars: MAX_MESSAGE_TEXT,
  maxLiveRuns: 16,
  // The hello snapshot's own page of pending approvals.
  maxPendingApprovals: 100,
  helloStreamBytes: 32 * 1024,
};

export interface GatewayLimitVars {
  GATEWAY_MAX_FRAME_BYTES?: string | undefined;
  GATEWAY_MAX_RUN_CHARS?: string | undefined;
  GATEWAY_MAX_LIVE_RUNS?: string | undefined;
  GATEWAY_MAX_PENDING_APPROVALS?: string | undefined;
  GATEWAY_HELLO_STREAM_BYTES?: string | undefined;
}

/** A positive whole number from a var, or the default when it is unset or not one. */
function whole(value: string | undefined, fallback: number): number {
  const n = Math.floor(Number(value));
  return value !== undefined && value.trim() !== "" && Number.isFinite(n) && n > 0 ? n : fallback;
}

export function readGatewayLimits(env: GatewayLimitVars): GatewayLimits {
  const d = DEFAULT_GATEWAY_LIMITS;
  return {
    maxFrameBytes: whole(env.GATEWAY_MAX_FRAME_BYTES, d.maxFrameBytes),
    maxRunChars: whole(env.GATEWAY_MAX_RUN_CHARS, d.maxRunChars),
    maxLiveRuns: whole(env.GATEWAY_MAX_LIVE_RUNS, d.maxLiveRuns),
    maxPendingApprovals: whole(env.GATEWAY_MAX_PENDING_APPROVALS, d.maxPendingApprovals),
    helloStreamBytes: whole(env.GATEWAY_HELLO_STREAM_BYTES, d.helloStreamBytes),
  };
}

/** The `maxBytes` the bridge asks `chat.history` for: well inside one frame (the gateway's floor is 1024). */
export function historyBytes(limits: GatewayLimits): number {
  return Math.max(1024, Math.floor(limits.maxFrameBytes / 2));
}
