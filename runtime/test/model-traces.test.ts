// The model pass-through's span per call, against the scripted model and the stand-in OTLP
// collector (both external services' stand-ins, on loopback): a call that carries a W3C
// `traceparent` becomes a `chat` span in that trace, exported over OTLP/HTTP protobuf (the
// default) or JSON; a call without one, or one not sampled, makes none; a failed call or a
// refusal is an error span; a collector that is down costs the call nothing. No prompt, answer
// or key is in a span.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ModelCredentials } from "../src/model-credentials";
import { ModelPassthrough } from "../src/model-passthrough";
import { ModelTraces, traceExportConfig } from "../src/model-traces";
import { SpendPolicy } from "../src/spend-policy";
import { UsageLedger } from "../src/usage-ledger";
import { OtlpReceiver, type ReceivedSpan } from "./otlp-standin";
import { startScriptedModel, type ScriptedModel } from "./scripted-model";

const OPERATOR_KEY = "operator-key-traces-test-51c0";
const A = { workspaceId: "ws-t", instanceId: "a" };
const PROMPT = "a secret plan in the prompt 7d1e";

let dir: string;
let model: ScriptedModel;
let collector: OtlpReceiver;
let spend: SpendPolicy;
/** One pass-through per protocol, the same collector behind both. */
const passthroughs: Record<
  "protobuf" | "json",
  { pass: ModelPassthrough; traces: ModelTraces; baseUrl: string; credential: string }
> = {} as never;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "runtime-traces-"));
  model = await startScriptedModel({ modelId: "scripted-model", usage: "when-asked", apiKey: OPERATOR_KEY });
  collector = new OtlpReceiver();
  await collector.start();
  spend = new SpendPolicy(join(dir, "spend"));
  for (const protocol of ["protobuf", "json"] as const) {
    const config = traceExportConfig({
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
      OTEL_EXPORTER_OTLP_HEADERS: "x-api-key=collector-key",
      ...(protocol === "json" ? { OTEL_EXPORTER_OTLP_PROTOCOL: "http/json" } : {}),
    });
    if (!config) throw new Error("no trace export config");
    const traces = new ModelTraces(config);
    const pass = new ModelPassthrough({
      upstream: { baseUrl: model.baseUrl, apiKey: OPERATOR_KEY, modelId: "scripted-model" },
      credentials: new ModelCredentials(),
      ledger: new UsageLedger(join(dir, `usage-${protocol}`)),
      spend,
      traces,
    });
    const baseUrl = await pass.listen();
    passthroughs[protocol] = { pass, traces, baseUrl, credential: pass.gatewayModel(A).apiKey ?? "" };
  }
});

afterAll(async () => {
  for (const { pass } of Object.values(passthroughs)) await pass?.close();
  await collector?.stop();
  await model?.close();
  rmSync(dir, { recursive: true, force: true });
});

let n = 0;
/** A fresh trace context, as the gateway's model request carries it. */
function traceparent(sampled = true): { header: string; traceId: string; parentId: string } {
  n += 1;
  const traceId = `4bf92f3577b34da6a3ce929d0e0e${String(n).padStart(4, "0")}`;
  const parentId = `00f067aa0ba9${String(n).padStart(4, "0")}`;
  return { header: `00-${traceId}-${parentId}-${sampled ? "01" : "00"}`, traceId, parentId };
}

async function call(
  protocol: "protobuf" | "json",
  headers: Record<string, string>,
  body: Record<string, unknown> = {},
): Promise<Response> {
  const { baseUrl, credential } = passthroughs[protocol];
  const res = await fetch(`${baseUrl}/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${credential}`, "content-type": "application/json", ...headers },
    body: JSON.stringify({
      model: "gpt-asked-for",
      stream: true,
      messages: [{ role: "user", content: PROMPT }],
      ...body,
    }),
  });
  await res.text();
  return res;
}

/** The spans of a trace once everything the pass-through queued has been sent. */
async function spansOf(protocol: "protobuf" | "json", traceId: string): Promise<ReceivedSpan[]> {
  await passthroughs[protocol].traces.flush();
  return collector.spans.filter((s) => s.traceId === traceId);
}

describe("the model pass-through's spans", () => {
  it("a streamed call with a traceparent is a chat span in that trace, under the caller's span, over protobuf", async () => {
    model.setReply("Traced answer.");
    const tp = traceparent();
    expect((await call("protobuf", { traceparent: tp.header })).status).toBe(200);
    const [span, ...more] = await spansOf("protobuf", tp.traceId);
    expect(more).toEqual([]);
    expect(span).toMatchObject({
      name: "chat scripted-model",
      parentSpanId: tp.parentId,
      encoding: "protobuf",
      apiKey: "collector-key",
      status: 0,
      resource: { "service.name": "autopilot-runtime" },
      attributes: {
        "gen_ai.operation.name": "chat",
        // The model the call ran on: the operator's, not the one the gateway asked for.
        "gen_ai.request.model": "scripted-model",
        "gen_ai.response.finish_reasons": ["stop"],
        "autopilot.workspace.id": A.workspaceId,
        "autopilot.instance.id": A.instanceId,
        "http.response.status_code": 200,
      },
    });
    expect(span?.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(span?.spanId).not.toBe(tp.parentId);
    expect(span?.attributes["gen_ai.usage.input_tokens"]).toBeGreaterThan(0);
    expect(span?.attributes["gen_ai.usage.output_tokens"]).toBeGreaterThan(0);
    expect(span?.endMs).toBeGreaterThanOrEqual(span?.startMs ?? Number.POSITIVE_INFINITY);
    const text = JSON.stringify(span);
    expect(text).not.toContain(PROMPT);
    expect(text).not.toContain("Traced answer");
    expect(text).not.toContain(OPERATOR_KEY);
  });

  it("over OTLP/HTTP JSON too, for a JSON answer", async () => {
    model.setReply("Plain traced answer.");
    const tp = traceparent();
    expect((await call("json", { traceparent: tp.header }, { stream: false })).status).toBe(200);
    const spans = await spansOf("json", tp.traceId);
    expect(spans).toHaveLength(1);
    expect(spans[0]).toMatchObject({
      encoding: "json",
      parentSpanId: tp.parentId,
      attributes: { "gen_ai.response.finish_reasons": ["stop"], "autopilot.model.stream": false },
    });
  });

  it("makes no span for a call without a traceparent, with a malformed one, or one not sampled", async () => {
    model.setReply("ok");
    const before = collector.spans.length;
    const unsampled = traceparent(false);
    const cases: Record<string, string>[] = [
      {},
      { traceparent: "00-00000000000000000000000000000000-00f067aa0ba902b7-01" },
      { traceparent: "not a trace context" },
      { traceparent: `00-${"a".repeat(32)}-${"b".repeat(16)}-01${"x".repeat(400)}` },
      { traceparent: unsampled.header },
    ];
    for (const headers of cases) expect((await call("protobuf", headers)).status).toBe(200);
    await passthroughs.protobuf.traces.flush();
    expect(collector.spans.length).toBe(before);
  });

  it("an upstream failure and a refusal (out of credits) are error spans", async () => {
    model.setReply({ fail: { status: 500, message: "boom" } });
    const failed = traceparent();
    expect((await call("protobuf", { traceparent: failed.header })).status).toBe(500);
    expect(await spansOf("protobuf", failed.traceId)).toMatchObject([
      {
        status: 2,
        attributes: { "error.type": "500", "http.response.status_code": 500, "gen_ai.request.model": "scripted-model" },
      },
    ]);
    model.setReply("never reached");
    spend.set(A.workspaceId, { allowed: false, reason: "out_of_credits" });
    try {
      const refused = traceparent();
      expect((await call("protobuf", { traceparent: refused.header })).status).toBe(402);
      const [span] = await spansOf("protobuf", refused.traceId);
      expect(span).toMatchObject({
        name: "chat",
        status: 2,
        attributes: { "error.type": "402", "http.response.status_code": 402 },
      });
      expect(span?.attributes["gen_ai.usage.input_tokens"]).toBeUndefined();
    } finally {
      spend.set(A.workspaceId, { allowed: true });
    }
  });

  it("a collector that is down costs the call nothing: it answers in full, the span is dropped", async () => {
    model.setReply("Answer while the collector is down.");
    collector.down.add("/v1/traces");
    try {
      const tp = traceparent();
      const res = await fetch(`${passthroughs.protobuf.baseUrl}/chat/completions`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${passthroughs.protobuf.credential}`,
          "content-type": "application/json",
          traceparent: tp.header,
        },
        body: JSON.stringify({ model: "m", stream: false, messages: [{ role: "user", content: "hi" }] }),
      });
      expect(res.status).toBe(200);
      expect(await res.text()).toContain("Answer while the collector is down.");
      await passthroughs.protobuf.traces.flush();
      expect(collector.spans.filter((s) => s.traceId === tp.traceId)).toEqual([]);
    } finally {
      collector.down.delete("/v1/traces");
    }
  });
});

describe("the runtime's collector from the standard variables", () => {
  it("reads OTEL_EXPORTER_OTLP_* (a base URL or the traces URL itself, headers, protocol) and OTEL_BSP_*", () => {
    expect(traceExportConfig({})).toBeNull();
    expect(traceExportConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: "ftp://collector" })).toBeNull();
    expect(traceExportConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: "not a url" })).toBeNull();
    expect(
      traceExportConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:4318", OTEL_SDK_DISABLED: "TRUE" }),
    ).toBeNull();
    expect(traceExportConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:4318/" })).toMatchObject({
      url: "http://127.0.0.1:4318/v1/traces",
      protocol: "http/protobuf",
      headers: {},
      maxQueueSize: 2048,
      maxExportBatchSize: 512,
    });
    expect(
      traceExportConfig({
        OTEL_EXPORTER_OTLP_ENDPOINT: "http://ignored:4318",
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "https://collector.example/custom/path",
        OTEL_EXPORTER_OTLP_HEADERS: "authorization=Basic%20abc,x-team=one",
        OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: "http/json",
        OTEL_BSP_MAX_QUEUE_SIZE: "100",
        OTEL_BSP_MAX_EXPORT_BATCH_SIZE: "500",
      }),
    ).toMatchObject({
      url: "https://collector.example/custom/path",
      protocol: "http/json",
      headers: { authorization: "Basic abc", "x-team": "one" },
      maxQueueSize: 100,
      // never more than the queue
      maxExportBatchSize: 100,
    });
  });
});
