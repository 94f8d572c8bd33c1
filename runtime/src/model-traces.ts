// The model pass-through's span per call (process host): a gateway's model request that carries a
// W3C `traceparent` gets a `chat` span of the runtime's in that trace, after the GenAI conventions
// (the model, the tokens counted, the finish reason, how long, what failed), sent to the
// collector of the standard OTEL_EXPORTER_OTLP_* variables. The pinned gateway puts a
// `traceparent` on each model request, under the trace of the `chat.send` that started the turn
// (the room sends one per turn: party/domain/trace-context.ts), so the runtime's span joins the
// turn's trace. Its parent is the gateway's own model-call span, which a collector has only when
// the gateway exports too; without it the span still sits in the turn's trace.
//
// OpenTelemetry's SDK does the rest: the span is ended at once with its real times and waits in
// the BatchSpanProcessor's bounded queue (OTEL_BSP_*; past it spans are dropped, never the call
// slowed), posted in the background by the exporter below, encoded by the same serializers the
// room uses. No prompt, answer or key goes into a span: only counts, names and ids.
import { context, SpanKind, SpanStatusCode, trace, type TextMapGetter } from "@opentelemetry/api";
import { ExportResultCode, parseKeyPairsIntoRecord, W3CTraceContextPropagator } from "@opentelemetry/core";
import { JsonTraceSerializer, ProtobufTraceSerializer } from "@opentelemetry/otlp-transformer";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BatchSpanProcessor, type ReadableSpan, type SpanExporter, TracerProvider } from "@opentelemetry/sdk-trace";
import { type OtlpProtocol, protocolOf, tracesUrl } from "../../shared/otlp-endpoint";
import type { ModelCallRecord } from "./model-route";

export interface TraceExportConfig {
  /** The traces URL itself (…/v1/traces). */
  url: string;
  /** A secret when it carries a key: never logged. */
  headers: Record<string, string>;
  protocol: OtlpProtocol;
  maxQueueSize: number;
  maxExportBatchSize: number;
  scheduledDelayMs: number;
  exportTimeoutMs: number;
}

const bounded = (raw: string | undefined, fallback: number, max: number): number => {
  const n = Number(raw);
  return Number.isInteger(n) && n > 0 ? Math.min(n, max) : fallback;
};

/** The collector from the standard variables (the OTLP exporter spec's names and defaults); null: no spans. */
export function traceExportConfig(env: NodeJS.ProcessEnv): TraceExportConfig | null {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === "true") return null;
  const url = tracesUrl(env.OTEL_EXPORTER_OTLP_ENDPOINT, env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
  if (!url) return null;
  const maxQueueSize = bounded(env.OTEL_BSP_MAX_QUEUE_SIZE, 2048, 100_000);
  return {
    url,
    headers: {
      ...parseKeyPairsIntoRecord(env.OTEL_EXPORTER_OTLP_HEADERS),
      ...parseKeyPairsIntoRecord(env.OTEL_EXPORTER_OTLP_TRACES_HEADERS),
    },
    protocol: protocolOf(env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL || env.OTEL_EXPORTER_OTLP_PROTOCOL),
    maxQueueSize,
    maxExportBatchSize: Math.min(maxQueueSize, bounded(env.OTEL_BSP_MAX_EXPORT_BATCH_SIZE, 512, 4096)),
    scheduledDelayMs: bounded(env.OTEL_BSP_SCHEDULE_DELAY, 5000, 60_000),
    exportTimeoutMs: bounded(env.OTEL_BSP_EXPORT_TIMEOUT, 30_000, 120_000),
  };
}

/** Posts batches to the collector over OTLP/HTTP; a failure is reported to the processor, which drops the batch. */
class OtlpHttpExporter implements SpanExporter {
  #stopped = false;
  constructor(
    private readonly config: TraceExportConfig,
    private readonly log: (message: string, fields?: Record<string, unknown>) => void,
  ) {}

  export(spans: ReadableSpan[], done: (result: { code: ExportResultCode; error?: Error }) => void): void {
    if (this.#stopped) return done({ code: ExportResultCode.FAILED, error: new Error("the exporter is stopped") });
    const json = this.config.protocol === "http/json";
    // A copy over a plain ArrayBuffer: what fetch's body type takes under every lib the repo checks with.
    const body = new Uint8Array((json ? JsonTraceSerializer : ProtobufTraceSerializer).serializeRequest(spans) ?? []);
    fetch(this.config.url, {
      method: "POST",
      headers: { ...this.config.headers, "content-type": json ? "application/json" : "application/x-protobuf" },
      body,
      signal: AbortSignal.timeout(this.config.exportTimeoutMs),
    })
      .then(async (res) => {
        await res.body?.cancel();
        if (res.ok) return done({ code: ExportResultCode.SUCCESS });
        this.log("trace export refused", { status: res.status, spans: spans.length });
        done({ code: ExportResultCode.FAILED, error: new Error(`the collector answered HTTP ${res.status}`) });
      })
      .catch((error: unknown) => {
        this.log("trace export failed", { error: String(error).slice(0, 200), spans: spans.length });
        done({ code: ExportResultCode.FAILED, error: error as Error });
      });
  }

  async shutdown(): Promise<void> {
    this.#stopped = true;
  }
}

const getter: TextMapGetter<string | undefined> = {
  keys: () => ["traceparent"],
  get: (carrier, key) => (key === "traceparent" ? carrier : undefined),
};

const MAX_TRACEPARENT_LENGTH = 128;

// Only the W3C propagator, used directly: nothing global is registered for the process.
const W3C = new W3CTraceContextPropagator();

export class ModelTraces {
  readonly #provider: TracerProvider;
  readonly #tracer;

  constructor(config: TraceExportConfig, log: (message: string, fields?: Record<string, unknown>) => void = () => {}) {
    this.#provider = new TracerProvider({
      resource: resourceFromAttributes({ "service.name": "autopilot-runtime" }),
      spanProcessors: [
        new BatchSpanProcessor({
          exporter: new OtlpHttpExporter(config, log),
          maxQueueSize: config.maxQueueSize,
          maxExportBatchSize: config.maxExportBatchSize,
          scheduledDelayMillis: config.scheduledDelayMs,
          exportTimeoutMillis: config.exportTimeoutMs,
        }),
      ],
    });
    this.#tracer = this.#provider.getTracer("autopilot-runtime", "1");
  }

  /** Makes the call's span when its request carried a valid, sampled `traceparent`; never throws. */
  record(call: ModelCallRecord): void {
    try {
      this.#record(call);
    } catch {
      // A span is never worth a model call: whatever went wrong here stays here.
    }
  }

  #record(call: ModelCallRecord): void {
    // The propagator ignores a malformed value (an invalid context: no span); a value longer than
    // W3C's is not read at all, so a hostile header costs nothing.
    if (!call.traceparent || call.traceparent.length > MAX_TRACEPARENT_LENGTH) return;
    const parent = W3C.extract(context.active(), call.traceparent, getter);
    const parentContext = trace.getSpanContext(parent);
    if (!parentContext || !trace.isSpanContextValid(parentContext)) return;
    const attributes: Record<string, string | number | boolean | string[]> = {
      "gen_ai.operation.name": "chat",
      "autopilot.workspace.id": call.ref.workspaceId,
      "autopilot.instance.id": call.ref.instanceId,
      "autopilot.model.stream": call.stream,
    };
    if (call.model) attributes["gen_ai.request.model"] = call.model;
    if (call.usage) {
      attributes["gen_ai.usage.input_tokens"] = call.usage.promptTokens;
      attributes["gen_ai.usage.output_tokens"] = call.usage.completionTokens;
    }
    if (call.finishReason) attributes["gen_ai.response.finish_reasons"] = [call.finishReason];
    if (call.status !== null) attributes["http.response.status_code"] = call.status;
    if (call.error)
      attributes["error.type"] = call.status !== null && call.status >= 400 ? String(call.status) : "_OTHER";
    const span = this.#tracer.startSpan(
      call.model ? `chat ${call.model}` : "chat",
      { kind: SpanKind.CLIENT, startTime: call.startMs, attributes },
      parent,
    );
    if (call.error) span.setStatus({ code: SpanStatusCode.ERROR, message: call.error });
    span.end(Math.max(call.startMs, call.endMs));
  }

  /** Sends what is queued now; resolves once it was sent or given up on (the exporter logged why). */
  flush(): Promise<void> {
    return this.#provider.forceFlush().catch(() => undefined);
  }

  /** Sends what is queued and stops; never rejects. */
  shutdown(): Promise<void> {
    return this.#provider.shutdown().catch(() => undefined);
  }
}
