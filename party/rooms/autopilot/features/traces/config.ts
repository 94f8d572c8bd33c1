// Where a room's spans go: the operator's collector from the standard OpenTelemetry variables
// (https://opentelemetry.io/docs/specs/otel/protocol/exporter/), bounded by the batch
// processor's standard queue variables.
import { protocolOf, tracesUrl } from "../../../../../shared/otlp-endpoint";
import type { OtlpTarget } from "./otlp";

declare module "../../../../env" {
  interface Env {
    /** The collector's base URL; spans go to its /v1/traces (docs/operations.md "Traces"). */
    OTEL_EXPORTER_OTLP_ENDPOINT?: string;
    /** The traces URL itself, when it is not the base URL's /v1/traces. */
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?: string;
    /** Headers for the collector, `key=value` pairs separated by commas (a secret: an API key). */
    OTEL_EXPORTER_OTLP_HEADERS?: string;
    /** `http/protobuf` (the default) or `http/json`. */
    OTEL_EXPORTER_OTLP_PROTOCOL?: string;
    /** How many finished spans a room keeps waiting for the collector (default 2048); past it the oldest are dropped. */
    OTEL_BSP_MAX_QUEUE_SIZE?: string;
    /** How many spans one export sends at most (default 512). */
    OTEL_BSP_MAX_EXPORT_BATCH_SIZE?: string;
    /** How long after a run writes its log its spans are made and sent, in ms (default 5000). */
    OTEL_BSP_SCHEDULE_DELAY?: string;
  }
}

type OtelEnv = Pick<
  import("../../../../env").Env,
  | "OTEL_EXPORTER_OTLP_ENDPOINT"
  | "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"
  | "OTEL_EXPORTER_OTLP_HEADERS"
  | "OTEL_EXPORTER_OTLP_PROTOCOL"
  | "OTEL_BSP_MAX_QUEUE_SIZE"
  | "OTEL_BSP_MAX_EXPORT_BATCH_SIZE"
  | "OTEL_BSP_SCHEDULE_DELAY"
>;

export interface QueueLimits {
  maxQueue: number;
  maxBatch: number;
  /** The batch processor's delay: what runs write within it becomes spans in one pass and goes in one export. */
  delayMs: number;
}

const bound = (raw: string | undefined, fallback: number, max: number): number => {
  const n = Number(raw);
  return Number.isInteger(n) && n > 0 ? Math.min(n, max) : fallback;
};

export function queueLimits(env: OtelEnv): QueueLimits {
  const maxQueue = bound(env.OTEL_BSP_MAX_QUEUE_SIZE, 2048, 100_000);
  const delay = Number(env.OTEL_BSP_SCHEDULE_DELAY);
  return {
    maxQueue,
    maxBatch: Math.min(maxQueue, bound(env.OTEL_BSP_MAX_EXPORT_BATCH_SIZE, 512, 4096)),
    delayMs: Number.isInteger(delay) && delay >= 0 ? Math.min(delay, 60_000) : 5000,
  };
}

/** `k=v,k2=v2` (values URL-encoded, as the spec has them) as headers; a malformed pair is left out. */
export function parseHeaders(raw: string | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const pair of (raw ?? "").split(",")) {
    const at = pair.indexOf("=");
    if (at <= 0) continue;
    const key = pair.slice(0, at).trim().toLowerCase();
    if (!/^[a-z0-9!#$%&'*+.^_`|~-]+$/.test(key)) continue;
    try {
      headers[key] = decodeURIComponent(pair.slice(at + 1).trim());
    } catch {
      // A value that is not URL-encoding is left out rather than sent mangled.
    }
  }
  return headers;
}

const operatorTargets = new WeakMap<OtelEnv, OtlpTarget | null>();

/** The operator's collector; null when none is configured (read once per Worker's env: it does not change). */
export function operatorTarget(env: OtelEnv): OtlpTarget | null {
  if (operatorTargets.has(env)) return operatorTargets.get(env) ?? null;
  const target = readOperatorTarget(env);
  operatorTargets.set(env, target);
  return target;
}

function readOperatorTarget(env: OtelEnv): OtlpTarget | null {
  const url = tracesUrl(env.OTEL_EXPORTER_OTLP_ENDPOINT, env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
  if (!url) return null;
  return {
    url,
    headers: parseHeaders(env.OTEL_EXPORTER_OTLP_HEADERS),
    protocol: protocolOf(env.OTEL_EXPORTER_OTLP_PROTOCOL),
  };
}
