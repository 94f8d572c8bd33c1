// A stand-in OpenTelemetry collector on loopback (a collector is an external service: only it
// is scripted): it takes OTLP/HTTP JSON on /v1/traces as a collector does and keeps each span,
// its attributes decoded from OTLP's AnyValue. Its control paths (under /_standin/) let a test
// read the spans of a trace and switch an outage of one path on and off (503, the retryable answer). Any
// path ending in /v1/traces takes spans, so a workspace's own collector is a path of its own.
import { type Reply, type StandinServer, serveStandin } from "../../../../../client/test/standin-server";

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
}

interface AnyValue {
  stringValue?: string;
  intValue?: number | string;
  doubleValue?: number;
  boolValue?: boolean;
  arrayValue?: { values?: AnyValue[] };
}
type KeyValues = { key: string; value: AnyValue }[] | undefined;

const decoded = (v: AnyValue): Received =>
  v.stringValue ??
  (v.intValue !== undefined ? Number(v.intValue) : undefined) ??
  v.doubleValue ??
  v.boolValue ??
  (v.arrayValue ? (v.arrayValue.values ?? []).map(decoded) : null);

const attributesOf = (kvs: KeyValues): Record<string, Received> =>
  Object.fromEntries((kvs ?? []).map((kv) => [kv.key, decoded(kv.value)]));

const ms = (nanos: string | number): number => Number(BigInt(nanos) / 1_000_000n);

export class OtlpReceiver {
  readonly spans: ReceivedSpan[] = [];
  url = "";
  /** Collector paths that answer 503 (an outage of one workspace's collector, not every test's). */
  readonly down = new Set<string>();
  #server: StandinServer | undefined;

  async start(): Promise<void> {
    this.#server = await serveStandin((req, text, reply) => {
      const url = req.url ?? "";
      if (url.startsWith("/_standin/")) return this.#control(url, text, reply);
      if (req.method !== "POST" || !url.endsWith("/v1/traces")) return reply(404, { error: "not found" });
      if (this.down.has(url)) return reply(503, { error: "down" });
      if (!String(req.headers["content-type"]).startsWith("application/json"))
        return reply(415, { error: "this stand-in takes OTLP/HTTP JSON" });
      try {
        const apiKey = req.headers["x-api-key"];
        this.#take(JSON.parse(text), url, typeof apiKey === "string" ? apiKey : null);
      } catch (error) {
        return reply(400, { error: String(error) });
      }
      reply(200, { partialSuccess: {} });
    });
    this.url = this.#server.url;
  }

  #take(
    body: {
      resourceSpans: {
        resource?: { attributes?: KeyValues };
        scopeSpans: {
          spans: {
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
    },
    path: string,
    apiKey: string | null,
  ): void {
    for (const rs of body.resourceSpans) {
      const resource = attributesOf(rs.resource?.attributes);
      for (const ss of rs.scopeSpans)
        for (const s of ss.spans)
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
          });
    }
  }

  #control(url: string, text: string, reply: Reply): void {
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
    reply(404, { error: "no such control" });
  }

  stop(): Promise<void> {
    return this.#server?.stop() ?? Promise.resolve();
  }
}
