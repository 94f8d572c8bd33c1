// A stand-in OpenTelemetry collector on loopback (a collector is an external service: only it
// is scripted), for the runtime's model pass-through and the Autopilot room alike: it takes
// OTLP/HTTP on /v1/traces as a collector does, in both of the protocol's encodings (JSON, and
// protobuf decoded by protobufjs against the OTLP protocol's own message definitions), and
// keeps each span, its attributes decoded from OTLP's AnyValue. Its control paths (under
// /_standin/) let a test read the spans of a trace, switch an outage of one path on and off
// (503, the retryable answer) and hold one path's answers back after its spans are taken (a
// sender that goes down meanwhile never hears them). Any path ending in /v1/traces takes spans, so a workspace's own
// collector is a path of its own.
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import protobuf from "protobufjs";

export type Received = string | number | boolean | Received[] | null;

export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string | null;
  name: string;
  startMs: number;
  endMs: number;
  status: number;
  attributes: Record<string, Received>;
  resource: Record<string, Received>;
  /** Where it was posted, and the request's headers a collector authenticates by. */
  path: string;
  apiKey: string | null;
  /** How the request was encoded (OTLP/HTTP's two content types). */
  encoding: "json" | "protobuf";
}

/**
 * The messages of an ExportTraceServiceRequest the stand-in reads, with the field numbers of
 * opentelemetry-proto (collector/trace/v1, trace/v1, common/v1, resource/v1); the fields left
 * out (events, links, trace state, dropped counts) are skipped by the decoder as unknown ones.
 */
const OTLP_TRACE_PROTO = `
syntax = "proto3";
package otlp;
message AnyValue {
  oneof value {
    string string_value = 1;
    bool bool_value = 2;
    int64 int_value = 3;
    double double_value = 4;
    ArrayValue array_value = 5;
    KeyValueList kvlist_value = 6;
    bytes bytes_value = 7;
  }
}
message ArrayValue { repeated AnyValue values = 1; }
message KeyValueList { repeated KeyValue values = 1; }
message KeyValue { string key = 1; AnyValue value = 2; }
message Resource { repeated KeyValue attributes = 1; }
message InstrumentationScope { string name = 1; string version = 2; }
message Status { string message = 2; int32 code = 3; }
message Span {
  bytes trace_id = 1;
  bytes span_id = 2;
  bytes parent_span_id = 4;
  string name = 5;
  int32 kind = 6;
  fixed64 start_time_unix_nano = 7;
  fixed64 end_time_unix_nano = 8;
  repeated KeyValue attributes = 9;
  Status status = 15;
}
message ScopeSpans { InstrumentationScope scope = 1; repeated Span spans = 2; }
message ResourceSpans { Resource resource = 1; repeated ScopeSpans scope_spans = 2; }
message ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1; }
`;

const ExportTraceServiceRequest = protobuf.parse(OTLP_TRACE_PROTO).root.lookupType("otlp.ExportTraceServiceRequest");

interface AnyValue {
  stringValue?: string;
  intValue?: number | string;
  doubleValue?: number;
  boolValue?: boolean;
  arrayValue?: { values?: AnyValue[] };
}
type KeyValues = { key: string; value: AnyValue }[] | undefined;

/** OTLP/JSON's shape of a request (ids in hex, times as decimal strings), which protobuf is turned into. */
interface TraceRequest {
  resourceSpans?: {
    resource?: { attributes?: KeyValues };
    scopeSpans?: {
      spans?: {
        traceId: string;
        spanId: string;
        parentSpanId?: string;
        name: string;
        startTimeUnixNano: string;
        endTimeUnixNano: string;
        status?: { code?: number };
        attributes?: KeyValues;
      }[];
    }[];
  }[];
}

const decoded = (v: AnyValue): Received =>
  v.stringValue ??
  (v.intValue !== undefined ? Number(v.intValue) : undefined) ??
  v.doubleValue ??
  v.boolValue ??
  (v.arrayValue ? (v.arrayValue.values ?? []).map(decoded) : null);

const attributesOf = (kvs: KeyValues): Record<string, Received> =>
  Object.fromEntries((kvs ?? []).map((kv) => [kv.key, decoded(kv.value)]));

const ms = (nanos: string | number): number => Number(BigInt(nanos) / 1_000_000n);

/** A protobuf request as OTLP/JSON has it: the decoder's bytes (base64 here) as hex ids. */
function fromProtobuf(body: Buffer): TraceRequest {
  const message = ExportTraceServiceRequest.decode(body);
  const object = ExportTraceServiceRequest.toObject(message, { longs: String, bytes: String, defaults: false });
  const hex = (b64: unknown) => (typeof b64 === "string" ? Buffer.from(b64, "base64").toString("hex") : "");
  for (const rs of (object as TraceRequest).resourceSpans ?? [])
    for (const ss of rs.scopeSpans ?? [])
      for (const s of ss.spans ?? []) {
        s.traceId = hex(s.traceId);
        s.spanId = hex(s.spanId);
        if (s.parentSpanId !== undefined) s.parentSpanId = hex(s.parentSpanId);
      }
  return object as TraceRequest;
}

/** At most this much of one request is read (a collector's own bound). */
const MAX_BODY_BYTES = 8 * 1024 * 1024;

export class OtlpReceiver {
  readonly spans: ReceivedSpan[] = [];
  url = "";
  /** Collector paths that answer 503 (an outage of one workspace's collector, not every test's). */
  readonly down = new Set<string>();
  /** Paths whose answers come this many ms after their spans were taken (a reply the sender may never hear). */
  readonly slow = new Map<string, number>();
  #server: Server | undefined;

  async start(): Promise<void> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      req.on("data", (chunk: Buffer) => {
        size += chunk.length;
        if (size <= MAX_BODY_BYTES) chunks.push(chunk);
      });
      req.on("end", () => {
        const reply = (status: number, body: unknown) => {
          res.writeHead(status, { "content-type": "application/json" });
          res.end(JSON.stringify(body));
        };
        if (size > MAX_BODY_BYTES) return reply(413, { error: "too large" });
        this.#handle(req, Buffer.concat(chunks), reply);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    this.#server = server;
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  #handle(req: IncomingMessage, body: Buffer, reply: (status: number, body: unknown) => void): void {
    const url = req.url ?? "";
    if (url.startsWith("/_standin/")) return this.#control(url, body.toString("utf8"), reply);
    if (req.method !== "POST" || !url.endsWith("/v1/traces")) return reply(404, { error: "not found" });
    if (this.down.has(url)) return reply(503, { error: "down" });
    const type = String(req.headers["content-type"]);
    const encoding = type.startsWith("application/json")
      ? "json"
      : type.startsWith("application/x-protobuf")
        ? "protobuf"
        : null;
    if (!encoding) return reply(415, { error: "OTLP/HTTP takes application/json or application/x-protobuf" });
    try {
      const apiKey = req.headers["x-api-key"];
      const request = encoding === "json" ? (JSON.parse(body.toString("utf8")) as TraceRequest) : fromProtobuf(body);
      this.#take(request, url, typeof apiKey === "string" ? apiKey : null, encoding);
    } catch (error) {
      return reply(400, { error: String(error) });
    }
    const wait = this.slow.get(url);
    if (wait) setTimeout(() => reply(200, { partialSuccess: {} }), wait);
    else reply(200, { partialSuccess: {} });
  }

  #take(body: TraceRequest, path: string, apiKey: string | null, encoding: ReceivedSpan["encoding"]): void {
    for (const rs of body.resourceSpans ?? []) {
      const resource = attributesOf(rs.resource?.attributes);
      for (const ss of rs.scopeSpans ?? [])
        for (const s of ss.spans ?? [])
          this.spans.push({
            traceId: s.traceId,
            spanId: s.spanId,
            parentSpanId: s.parentSpanId || null,
            name: s.name,
            startMs: ms(s.startTimeUnixNano),
            endMs: ms(s.endTimeUnixNano),
            status: s.status?.code ?? 0,
            attributes: attributesOf(s.attributes),
            resource,
            path,
            apiKey,
            encoding,
          });
    }
  }

  #control(url: string, text: string, reply: (status: number, body: unknown) => void): void {
    const query = new URL(url, "http://standin").searchParams;
    if (url.startsWith("/_standin/spans")) {
      const runId = query.get("runId");
      const root = runId ? this.spans.find((s) => s.attributes["autopilot.run.id"] === runId) : undefined;
      const traceId = query.get("traceId") ?? root?.traceId;
      return reply(200, traceId ? this.spans.filter((s) => s.traceId === traceId) : []);
    }
    if (url.startsWith("/_standin/down")) {
      const { path, down } = JSON.parse(text || "{}") as { path?: string; down?: boolean };
      if (!path) return reply(400, { error: "name the path" });
      if (down === true) this.down.add(path);
      else this.down.delete(path);
      return reply(200, { down: [...this.down] });
    }
    if (url.startsWith("/_standin/slow")) {
      const { path, ms } = JSON.parse(text || "{}") as { path?: string; ms?: number };
      if (!path) return reply(400, { error: "name the path" });
      if (typeof ms === "number" && ms > 0) this.slow.set(path, ms);
      else this.slow.delete(path);
      return reply(200, { slow: Object.fromEntries(this.slow) });
    }
    reply(404, { error: "no such control" });
  }

  /** The spans of `traceId` once one has arrived (checked as each request is taken); rejects after `timeoutMs`. */
  async trace(traceId: string, timeoutMs = 30_000): Promise<ReceivedSpan[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const spans = this.spans.filter((s) => s.traceId === traceId);
      if (spans.length > 0) return spans;
      if (Date.now() > deadline) throw new Error(`no span of trace ${traceId} reached the collector`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  stop(): Promise<void> {
    const server = this.#server;
    if (!server) return Promise.resolve();
    return new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }
}
