// The model pass-through against the scripted model (which, like a real endpoint, refuses
// calls without the operator's key): per-instance credentials, the key swapped in, tokens
// counted per instance from streams and JSON answers, hostile requests refused, and what of a
// request reaches the operator's model (the allowlist and the output cap).
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_MODEL_MAX_TOKENS, MODEL_MAX_TOKENS_LIMIT, resolveModel } from "../src/model-config";
import { ModelCredentials } from "../src/model-credentials";
import { ModelPassthrough } from "../src/model-passthrough";
import { boundChatRequest, MAX_REQUEST_BYTES, MAX_TOOLS } from "../src/model-request";
import { MAX_CALLS_IN_FLIGHT_PER_INSTANCE, OUT_OF_CREDITS_MESSAGE } from "../src/model-route";
import { SpendPolicy } from "../src/spend-policy";
import { createApiHandler } from "../src/http-api";
import type { RuntimeHost } from "../src/host";
import { UsageLedger } from "../src/usage-ledger";
import { scriptedUsage, startScriptedModel, type ScriptedModel } from "./scripted-model";

const OPERATOR_KEY = "operator-key-passthrough-test-7f3a";
const A = { workspaceId: "ws1", instanceId: "a" };
const B = { workspaceId: "ws1", instanceId: "b" };
let dir: string;
let model: ScriptedModel;
let passthrough: ModelPassthrough;
let ledger: UsageLedger;
let spend: SpendPolicy;
let baseUrl: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "runtime-passthrough-"));
  model = await startScriptedModel({ modelId: "scripted-model", usage: "when-asked", apiKey: OPERATOR_KEY });
  ledger = new UsageLedger(join(dir, "usage"));
  spend = new SpendPolicy(join(dir, "spend"));
  passthrough = new ModelPassthrough({
    upstream: { baseUrl: model.baseUrl, apiKey: OPERATOR_KEY, modelId: "scripted-model" },
    credentials: new ModelCredentials(),
    ledger,
    spend,
  });
  baseUrl = await passthrough.listen();
});

afterAll(async () => {
  await passthrough?.close();
  await model?.close();
  rmSync(dir, { recursive: true, force: true });
});

const chat = (credential: string, body: unknown) =>
  fetch(`${baseUrl}/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${credential}`, "content-type": "application/json" },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });

const messages = (text: string) => [{ role: "user", content: text }];

describe("model pass-through", () => {
  let credA = "";
  let credB = "";

  it("gives each instance its own base URL credential, never the operator's key", () => {
    const givenA = passthrough.gatewayModel(A);
    const givenB = passthrough.gatewayModel(B);
    expect(givenA).toMatchObject({ baseUrl, modelId: "scripted-model" });
    expect(baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    credA = givenA.apiKey ?? "";
    credB = givenB.apiKey ?? "";
    expect(credA.length).toBeGreaterThan(32);
    expect(credA).not.toBe(credB);
    expect(JSON.stringify([givenA, givenB])).not.toContain(OPERATOR_KEY);
  });

  it("streams: swaps in the operator's key, pins the model, asks for usage, and counts it for the instance", async () => {
    model.setReply("Streamed through the pass-through.");
    const body = { model: "gpt-expensive", stream: true, messages: messages("hello from a") };
    const res = await chat(credA, body);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    const text = await res.text();
    expect(text).toContain("data: [DONE]");
    expect(text).toContain('"usage"');
    const seen = model.requests.at(-1)!;
    expect(seen.model).toBe("scripted-model");
    expect(seen.stream_options?.include_usage).toBe(true);
    const expected = scriptedUsage(seen, { text: "Streamed through the pass-through." });
    expect(ledger.get(A)).toMatchObject({
      requests: 1,
      promptTokens: expected.prompt_tokens,
      completionTokens: expected.completion_tokens,
      totalTokens: expected.total_tokens,
      unmetered: 0,
    });
    expect(ledger.get(B)).toBeUndefined();
  });

  it("JSON answers are counted too, separately per instance; usage survives in a runtime-only file", async () => {
    model.setReply("Plain answer.");
    const res = await chat(credB, { messages: messages("hello from b") });
    expect(res.status).toBe(200);
    const answer = (await res.json()) as { usage: { total_tokens: number } };
    expect(ledger.get(B)).toMatchObject({ requests: 1, totalTokens: answer.usage.total_tokens });
    expect(ledger.get(A)?.requests).toBe(1);
    const file = join(dir, "usage", "ws1", "b.json");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(new UsageLedger(join(dir, "usage")).get(B)).toEqual(JSON.parse(readFileSync(file, "utf8")));
    expect(new UsageLedger(join(dir, "usage")).list("ws1").map((u) => u.instanceId)).toEqual(["a", "b"]);
  });

  it("counts no more than a call could use: an upstream that reports 99,995,000 prompt tokens is counted the request's bytes and the output cap", async () => {
    model.setReply({ text: "Over-reported.", usage: { prompt_tokens: 99_995_000, completion_tokens: 9_000_000 } });
    const C = { workspaceId: "ws-over", instanceId: "c" };
    const res = await chat(passthrough.gatewayModel(C).apiKey ?? "", {
      stream: true,
      messages: messages("a question"),
    });
    await res.text();
    const sent = new TextEncoder().encode(JSON.stringify(model.requests.at(-1))).byteLength;
    const counted = ledger.get(C)!;
    expect(counted.requests).toBe(1);
    expect(counted.promptTokens).toBeGreaterThan(0);
    expect(counted.promptTokens).toBeLessThanOrEqual(sent + 32);
    // The cap the pass-through sets when a request names none (RUNTIME_MODEL_MAX_TOKENS' default).
    expect(counted.completionTokens).toBe(16_384);
  });

  it("an upstream error is forwarded and counted as unmetered", async () => {
    model.setReply({ fail: { status: 500, message: "boom" } });
    const res = await chat(credA, { stream: true, messages: messages("fail please") });
    expect(res.status).toBe(500);
    expect(ledger.get(A)).toMatchObject({ requests: 2, unmetered: 1 });
    model.setReply("ok");
  });

  it("a workspace out of credits is refused with a typed 402 before anything reaches the model, until it may spend again", async () => {
    model.setReply("spent");
    const other = passthrough.gatewayModel({ workspaceId: "ws9", instanceId: "d" }).apiKey ?? "";
    const before = { upstream: model.requests.length, a: ledger.get(A)?.requests, b: ledger.get(B)?.requests };
    spend.set("ws1", { allowed: false, reason: "out_of_credits" });
    for (const credential of [credA, credB]) {
      const refused = await chat(credential, { stream: true, messages: messages("while out of credits") });
      expect(refused.status).toBe(402);
      expect(await refused.json()).toEqual({
        error: { type: "payment_required", code: "payment_required", message: OUT_OF_CREDITS_MESSAGE },
      });
    }
    // Nothing went upstream and nothing was counted; another workspace's gateway is not held up.
    expect(model.requests.length).toBe(before.upstream);
    expect([ledger.get(A)?.requests, ledger.get(B)?.requests]).toEqual([before.a, before.b]);
    expect((await chat(other, { messages: messages("another workspace") })).status).toBe(200);
    // The refusal is kept in a runtime-only file: a restarted runtime still refuses.
    const file = join(dir, "spend", "ws1.json");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(new SpendPolicy(join(dir, "spend")).get("ws1")).toMatchObject({ allowed: false, reason: "out_of_credits" });
    spend.set("ws1", { allowed: true });
    expect((await chat(credA, { messages: messages("credited again") })).status).toBe(200);
    expect(ledger.get(A)?.requests).toBe((before.a ?? 0) + 1);
  });

  it("refuses a missing, wrong or revoked credential, and the operator's key itself", async () => {
    const before = model.requests.length;
    for (const credential of ["", "wrong", `${credA}x`, OPERATOR_KEY]) {
      const res = await chat(credential, { messages: messages("sneaky") });
      expect(res.status, credential).toBe(401);
      expect(((await res.json()) as { error: { type: string } }).error.type).toBe("invalid_api_key");
    }
    passthrough.revoke(B);
    expect((await chat(credB, { messages: messages("after revoke") })).status).toBe(401);
    // A new start replaces the credential: the old one stops working.
    const fresh = passthrough.gatewayModel(A).apiKey ?? "";
    expect((await chat(credA, { messages: messages("old credential") })).status).toBe(401);
    expect((await chat(fresh, { messages: messages("new credential") })).status).toBe(200);
    credA = fresh;
    expect(model.requests.length).toBe(before + 1);
  });

  it("refuses other paths, bad bodies and oversized bodies before calling upstream", async () => {
    const before = model.requests.length;
    const models = await fetch(`${baseUrl}/models`, { headers: { authorization: `Bearer ${credA}` } });
    expect(await models.json()).toMatchObject({ data: [{ id: "scripted-model" }] });
    const other = await fetch(`${baseUrl}/embeddings`, {
      method: "POST",
      headers: { authorization: `Bearer ${credA}` },
      body: "{}",
    });
    expect(other.status).toBe(404);
    expect((await chat(credA, "not json")).status).toBe(400);
    expect((await chat(credA, { messages: [] })).status).toBe(400);
    expect((await chat(credA, { messages: "x" })).status).toBe(400);
    const huge = await chat(credA, { messages: messages("x".repeat(MAX_REQUEST_BYTES)) }).catch(() => ({
      status: 413,
    }));
    expect(huge.status).toBe(413);
    expect(model.requests.length).toBe(before);
  });

  it(`allows at most ${MAX_CALLS_IN_FLIGHT_PER_INSTANCE} calls in flight per instance`, async () => {
    model.setReply({ text: "slow slow slow slow", chunkDelayMs: 300 });
    const calls = Array.from({ length: MAX_CALLS_IN_FLIGHT_PER_INSTANCE + 1 }, () =>
      chat(credA, { stream: true, messages: messages("slow") }),
    );
    const statuses = await Promise.all(calls.map(async (call) => (await call).status));
    expect(statuses.filter((s) => s === 429)).toHaveLength(1);
    expect(statuses.filter((s) => s === 200)).toHaveLength(MAX_CALLS_IN_FLIGHT_PER_INSTANCE);
    // Another instance is not held up by this one.
    const other = passthrough.gatewayModel(B).apiKey ?? "";
    model.setReply("quick");
    expect((await chat(other, { messages: messages("b") })).status).toBe(200);
  });
});

describe("model pass-through: what reaches the operator's model", () => {
  const C = { workspaceId: "ws2", instanceId: "c" };
  let bounded: ModelPassthrough;
  let cred = "";
  let url = "";
  const send = (body: unknown) =>
    fetch(`${url}/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${cred}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
  const lastSeen = () => model.requests.at(-1) as unknown as Record<string, unknown>;

  beforeAll(async () => {
    const upstream = resolveModel({
      OPENCLAW_MODEL_BASE_URL: model.baseUrl,
      OPENCLAW_MODEL_ID: "scripted-model",
      OPENCLAW_MODEL_API_KEY: OPERATOR_KEY,
      RUNTIME_MODEL_MAX_TOKENS: "2048",
    });
    if (!upstream.ok || !upstream.value) throw new Error("model config refused");
    bounded = new ModelPassthrough({
      upstream: upstream.value,
      credentials: new ModelCredentials(),
      ledger: new UsageLedger(join(dir, "usage-bounded")),
      spend: new SpendPolicy(join(dir, "spend-bounded")),
    });
    url = await bounded.listen();
    cred = bounded.gatewayModel(C).apiKey ?? "";
  });
  afterAll(() => bounded?.close());

  it("OPENCLAW_MODEL_IDS: the models an instance may choose, the default first; a call runs on the one it names only when offered", () => {
    const env = { OPENCLAW_MODEL_BASE_URL: "http://127.0.0.1:1/v1", OPENCLAW_MODEL_ID: "m" };
    expect(resolveModel(env)).toMatchObject({ ok: true, value: { offered: ["m"] } });
    const resolved = resolveModel({ ...env, OPENCLAW_MODEL_IDS: " big , m,small " });
    expect(resolved).toMatchObject({ ok: true, value: { offered: ["m", "big", "small"] } });
    for (const raw of ["ok,bad id", "a;b", Array.from({ length: 21 }, (_, i) => `m${i}`).join(",")])
      expect(resolveModel({ ...env, OPENCLAW_MODEL_IDS: raw }), raw).toMatchObject({
        ok: false,
        error: { code: "invalid_request" },
      });
    const upstream = resolved.ok ? resolved.value! : (undefined as never);
    const call = (model: unknown) => boundChatRequest({ model, messages: [{ role: "user", content: "hi" }] }, upstream);
    expect(call("big").model).toBe("big");
    expect(call("gpt-5-pro").model).toBe("m");
    expect(call(undefined).model).toBe("m");
    expect(call({ not: "a name" }).model).toBe("m");
  });

  it("RUNTIME_MODEL_MAX_TOKENS: a positive integer up to the limit, 16384 when unset; anything else refuses to start", () => {
    const env = { OPENCLAW_MODEL_BASE_URL: "http://127.0.0.1:1/v1", OPENCLAW_MODEL_ID: "m" };
    expect(resolveModel(env)).toMatchObject({ ok: true, value: { maxOutputTokens: DEFAULT_MODEL_MAX_TOKENS } });
    expect(DEFAULT_MODEL_MAX_TOKENS).toBe(16_384);
    expect(resolveModel({ ...env, RUNTIME_MODEL_MAX_TOKENS: "512" })).toMatchObject({
      ok: true,
      value: { maxOutputTokens: 512 },
    });
    for (const raw of ["0", "-1", "1.5", "lots", String(MODEL_MAX_TOKENS_LIMIT + 1)]) {
      expect(resolveModel({ ...env, RUNTIME_MODEL_MAX_TOKENS: raw }), raw).toMatchObject({
        ok: false,
        error: { code: "invalid_request" },
      });
    }
  });

  it("pins the model and drops fan-out and cost multipliers: n, fallback lists and routing, logprobs, predictions, tiers, hosted search", async () => {
    model.setReply("One answer.");
    const res = await send({
      model: "gpt-expensive",
      models: ["gpt-expensive", "o1-pro"],
      route: "fallback",
      provider: { order: ["x"], allow_fallbacks: true },
      providerOptions: { gateway: { order: ["x"] } },
      plugins: [{ id: "web" }],
      n: 4,
      best_of: 5,
      max_tokens: 1e6,
      logprobs: true,
      top_logprobs: 20,
      prediction: { type: "content", content: "x".repeat(1000) },
      service_tier: "priority",
      web_search_options: { search_context_size: "high" },
      modalities: ["text", "audio"],
      audio: { voice: "alloy", format: "wav" },
      store: true,
      metadata: { tenant: "c" },
      stream: true,
      stream_options: { include_usage: false },
      messages: messages("fan out please"),
    });
    expect(res.status).toBe(200);
    await res.text();
    expect(lastSeen()).toEqual({
      model: "scripted-model",
      max_tokens: 2048,
      stream: true,
      stream_options: { include_usage: true },
      messages: messages("fan out please"),
    });
  });

  it("caps output: clamps either max-tokens field and reasoning budgets, and sets the cap when the request names none", async () => {
    model.setReply("ok");
    expect(
      (
        await send({
          messages: messages("a"),
          max_completion_tokens: 500_000,
          reasoning: { effort: "high", max_tokens: 900_000 },
          thinking: { type: "enabled", budget_tokens: 900_000 },
        })
      ).status,
    ).toBe(200);
    expect(lastSeen()).toMatchObject({
      max_completion_tokens: 2048,
      reasoning: { effort: "high", max_tokens: 2048 },
      thinking: { type: "enabled", budget_tokens: 2048 },
    });
    expect(lastSeen().max_tokens).toBeUndefined();
    expect((await send({ messages: messages("b") })).status).toBe(200);
    expect(lastSeen().max_tokens).toBe(2048);
    expect((await send({ messages: messages("c"), max_tokens: 100 })).status).toBe(200);
    expect(lastSeen().max_tokens).toBe(100);
  });

  it("passes what the pinned gateway sends unchanged (model aside)", async () => {
    model.setReply("ok");
    const tools = ["exec", "read", "write"].map((name) => ({
      type: "function",
      function: { name, description: name, parameters: { type: "object", properties: {} } },
    }));
    const fromGateway = {
      model: "scripted-model",
      messages: messages("hi"),
      stream: true,
      stream_options: { include_usage: true },
      tools,
      tool_choice: "auto",
      max_completion_tokens: 1024,
      store: false,
      temperature: 0.2,
      prompt_cache_key: "session-1",
    };
    const res = await send(fromGateway);
    expect(res.status).toBe(200);
    await res.text();
    expect(lastSeen()).toEqual(fromGateway);
  });

  it("refuses values of the wrong type or past the bounds with a typed error, before calling upstream", async () => {
    const before = model.requests.length;
    const hostile = [
      { max_tokens: "lots" },
      { max_tokens: 0 },
      { max_completion_tokens: 1.5 },
      { temperature: 1e9 },
      { tools: [{ type: "web_search" }] },
      { tools: Array.from({ length: MAX_TOOLS + 1 }, () => ({ type: "function", function: { name: "f" } })) },
      { stop: Array.from({ length: 100 }, () => "x") },
      { reasoning: { max_tokens: -5 } },
    ];
    for (const extra of hostile) {
      const res = await send({ messages: messages("x"), ...extra });
      expect(res.status, JSON.stringify(extra).slice(0, 80)).toBe(400);
      expect(((await res.json()) as { error: { type: string } }).error.type).toBe("invalid_request_error");
    }
    expect(model.requests.length).toBe(before);
  });
});

describe("the spend route through the process host's Node server", () => {
  const SERVICE_TOKEN = "spend-route-service-token-0123456789abcdef";
  it("takes a workspace's spend: a small JSON body is read, anything else refused and kept out", async () => {
    const { createServer } = await import("node:http");
    const spend = new SpendPolicy(join(dir, "spend-route"));
    const server = createServer(
      createApiHandler(
        { maxGateways: 1, activeCount: () => 0 } as unknown as RuntimeHost,
        SERVICE_TOKEN,
        { model: null },
        undefined,
        undefined,
        { get: (ws) => spend.get(ws), set: (ws, request) => spend.set(ws, request) },
      ),
    );
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as { port: number };
    const url = `http://127.0.0.1:${port}/v1/workspaces/ws1/spend`;
    const send = async (method: string, body?: string, token = SERVICE_TOKEN) => {
      const res = await fetch(url, {
        method,
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        ...(body === undefined ? {} : { body }),
      });
      return {
        status: res.status,
        body: (await res.json()) as { ok: boolean; data?: unknown; error?: { code: string } },
      };
    };
    try {
      expect((await send("GET")).body).toMatchObject({ ok: true, data: { workspaceId: "ws1", allowed: true } });
      expect((await send("PUT", '{"allowed":false,"reason":"out_of_credits"}', "wrong")).status).toBe(401);
      for (const bad of [
        undefined,
        "",
        "{",
        "[]",
        '{"allowed":false}',
        '{"allowed":true,"extra":1}',
        "x".repeat(5000),
      ]) {
        const answer = await send("PUT", bad);
        expect(answer.status, String(bad).slice(0, 20)).toBe(400);
        expect(answer.body.error?.code).toBe("invalid_request");
      }
      expect(spend.get("ws1").allowed).toBe(true);
      const refused = await send("PUT", '{"allowed":false,"reason":"out_of_credits"}');
      expect(refused).toMatchObject({ status: 200, body: { data: { allowed: false, reason: "out_of_credits" } } });
      expect(spend.get("ws1")).toMatchObject({ allowed: false, reason: "out_of_credits" });
      expect((await send("GET")).body).toMatchObject({ data: { allowed: false, updatedAt: expect.any(String) } });
      expect((await send("PUT", '{"allowed":true}')).body).toMatchObject({ data: { allowed: true, reason: null } });
      expect((await send("POST", '{"allowed":true}')).status).toBe(405);
    } finally {
      server.close();
    }
  });
});
