// The sandbox host's model pass-through (sandbox/model-egress.ts): what a container's gateway
// gets at each start (a per-instance credential and the Worker's route, never the operator's
// key), and the route itself against the scripted model, which like a real endpoint refuses
// calls without the operator's key. The SDK is faked at its boundary (sandbox-fakes.ts); the
// route, the registry's records and the shared pass-through handler are the real code.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { instanceUsageSchema, workspaceUsageSchema } from "../../shared/runtime/usage";
import { createRuntimeApi } from "../src/api";
import { MAX_CALLS_IN_FLIGHT_PER_INSTANCE, OUT_OF_CREDITS_MESSAGE } from "../src/model-route";
import { credentialHash, type ModelEgressDeps, MODEL_EGRESS_BASE_URL, serveModelEgress } from "../sandbox/model-egress";
import { MODEL_KEY_PREFIX, ModelRecords, registrySpend, registryUsage } from "../sandbox/model-records";
import { sandboxId } from "../sandbox/sandbox-boundary";
import { body, containerIdOf, gatewayEnv, MapKv, MODEL, path, REF, SERVICE_TOKEN, setup } from "./sandbox-fakes";
import { scriptedUsage, startScriptedModel, type ScriptedModel } from "./scripted-model";

let model: ScriptedModel;

beforeAll(async () => {
  model = await startScriptedModel({ modelId: MODEL.modelId, usage: "when-asked", apiKey: MODEL.apiKey });
});
afterAll(() => model?.close());

const messages = (text: string) => [{ role: "user", content: text }];

/** A sandbox host and its Worker's model route, the operator's model being the scripted one. */
function egressSetup() {
  const env = setup();
  const deps: ModelEgressDeps = {
    store: env.registry,
    upstream: { baseUrl: model.baseUrl, apiKey: MODEL.apiKey, modelId: MODEL.modelId, maxOutputTokens: 1024 },
    containerIdOf,
  };
  /** A request a container sends to the route; `from` is the sandbox the platform says sent it. */
  const call = async (credential: string, from: string, request: unknown, route = "/chat/completions") =>
    serveModelEgress(
      new Request(`${MODEL_EGRESS_BASE_URL}${route}`, {
        method: "POST",
        headers: { authorization: `Bearer ${credential}`, "content-type": "application/json" },
        body: JSON.stringify(request),
      }),
      containerIdOf(from),
      deps,
    );
  const credentialOf = async (ref = REF) => gatewayEnv(await env.sdk.sandboxFor(ref)).OPENCLAW_MODEL_API_KEY!;
  return { ...env, call, credentialOf };
}

describe("sandbox host: the model pass-through", () => {
  it("forwards a container's call with the operator's key, pinned and bounded, and counts its tokens for the instance", async () => {
    const { api, call, credentialOf, registry, kv } = egressSetup();
    expect((await api("PUT", path(REF))).status).toBe(202);
    model.setReply("Through the Worker.");
    const res = await call(await credentialOf(), await sandboxId(REF), {
      model: "o1-pro",
      models: ["o1-pro"],
      n: 4,
      max_tokens: 1e6,
      stream: true,
      messages: messages("hello"),
    });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain('"content":"Through "');
    expect(text).toContain("data: [DONE]");
    const seen = model.requests.at(-1) as unknown as Record<string, unknown>;
    expect(seen).toEqual({
      model: MODEL.modelId,
      max_tokens: 1024,
      stream: true,
      stream_options: { include_usage: true },
      messages: messages("hello"),
    });
    const expected = scriptedUsage(model.requests.at(-1)!, { text: "Through the Worker." });
    expect(await registry.modelUsage(REF)).toMatchObject({
      requests: 1,
      promptTokens: expected.prompt_tokens,
      completionTokens: expected.completion_tokens,
      unmetered: 0,
    });
    // Its call slot is given back once the stream has ended.
    expect([...kv.map.keys()].filter((key) => key.startsWith(`${MODEL_KEY_PREFIX}calls/`))).toEqual([]);
  });

  it("refuses the operator's key, a wrong credential, and a credential used from another instance's container", async () => {
    const { api, call, credentialOf } = egressSetup();
    const other = { workspaceId: "w2", instanceId: "b" };
    await api("PUT", path(REF));
    await api("PUT", path(other));
    const before = model.requests.length;
    const own = await sandboxId(REF);
    for (const credential of ["", "wrong", MODEL.apiKey, `${await credentialOf()}x`]) {
      const res = await call(credential, own, { messages: messages("sneaky") });
      expect(res.status, credential).toBe(401);
      expect(((await res.json()) as { error: { type: string } }).error.type).toBe("invalid_api_key");
    }
    // REF's credential, copied into the other instance's container, is of no use there.
    expect((await call(await credentialOf(), await sandboxId(other), { messages: messages("borrowed") })).status).toBe(
      401,
    );
    expect(model.requests.length).toBe(before);
    expect((await call(await credentialOf(other), await sandboxId(other), { messages: messages("own") })).status).toBe(
      200,
    );
  });

  it("a restart issues a new credential (the old one stops working); delete revokes it and keeps the usage", async () => {
    const { api, call, credentialOf, registry } = egressSetup();
    await api("PUT", path(REF));
    const from = await sandboxId(REF);
    const first = await credentialOf();
    expect((await call(first, from, { messages: messages("one") })).status).toBe(200);
    expect((await api("POST", path(REF, "/restart"))).status).toBe(202);
    const second = await credentialOf();
    expect(second).not.toBe(first);
    expect((await call(first, from, { messages: messages("old") })).status).toBe(401);
    expect((await call(second, from, { messages: messages("new") })).status).toBe(200);
    expect(body(await api("DELETE", path(REF))).data.deleted).toBe(true);
    expect((await call(second, from, { messages: messages("after delete") })).status).toBe(401);
    expect(await registry.modelUsage(REF)).toMatchObject({ requests: 2 });
    expect((await registry.modelUsageList(REF.workspaceId)).map((u) => u.instanceId)).toEqual([REF.instanceId]);
  });

  it("a gateway adopted by a later start (its record lost) keeps a working credential", async () => {
    const { api, call, credentialOf, kv, sdk } = egressSetup();
    await api("PUT", path(REF));
    const credential = await credentialOf();
    kv.delete(`${REF.workspaceId}/${REF.instanceId}`);
    expect((await api("PUT", path(REF))).status).toBe(202);
    expect((await sdk.sandboxFor(REF)).count("startProcess")).toBe(1);
    expect((await call(credential, await sandboxId(REF), { messages: messages("still me") })).status).toBe(200);
  });

  it("counts each instance's tokens apart and lists them on the usage routes, wired as the Worker wires them", async () => {
    const { host, registry, api, call, credentialOf } = egressSetup();
    const second = { workspaceId: REF.workspaceId, instanceId: "second" };
    const elsewhere = { workspaceId: "w2", instanceId: "main" };
    for (const ref of [REF, second, elsewhere]) expect((await api("PUT", path(ref))).status).toBe(202);
    const spent = async (ref: typeof REF, text: string) => {
      const res = await call(await credentialOf(ref), await sandboxId(ref), { messages: messages(text) });
      expect(res.status).toBe(200);
      return (
        (await res.json()) as { usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number } }
      ).usage;
    };
    const first = [await spent(REF, "one"), await spent(REF, "two, a longer one")];
    const other = await spent(second, "three");
    await spent(elsewhere, "four");

    const usageApi = createRuntimeApi(host, {
      serviceToken: SERVICE_TOKEN,
      info: { host: "sandbox", model: null },
      usage: registryUsage(registry),
    });
    const get = async (url: string) =>
      (await (
        await usageApi.fetch(
          new Request(`http://runtime.invalid${url}`, { headers: { authorization: `Bearer ${SERVICE_TOKEN}` } }),
        )
      ).json()) as { data: unknown };
    const sum = (calls: typeof first, key: keyof (typeof first)[number]) =>
      calls.reduce((total, usage) => total + usage[key], 0);
    const mine = instanceUsageSchema.parse((await get(path(REF, "/usage"))).data);
    expect(mine).toMatchObject({
      ...REF,
      requests: 2,
      promptTokens: sum(first, "prompt_tokens"),
      completionTokens: sum(first, "completion_tokens"),
      totalTokens: sum(first, "total_tokens"),
      unmetered: 0,
    });
    expect(instanceUsageSchema.parse((await get(path(second, "/usage"))).data)).toMatchObject({
      ...second,
      requests: 1,
      totalTokens: other.total_tokens,
    });
    const listed = workspaceUsageSchema.parse((await get(`/v1/workspaces/${REF.workspaceId}/usage`)).data).instances;
    expect(listed.map((u) => [u.instanceId, u.requests, u.totalTokens])).toEqual([
      [REF.instanceId, 2, sum(first, "total_tokens")],
      [second.instanceId, 1, other.total_tokens],
    ]);
  });

  it("a workspace the room said is out of credits is refused with a typed 402 (the spend route wired as the Worker wires it)", async () => {
    const { host, registry, api, call, credentialOf } = egressSetup();
    const elsewhere = { workspaceId: "w2", instanceId: "main" };
    for (const ref of [REF, elsewhere]) expect((await api("PUT", path(ref))).status).toBe(202);
    const spendApi = createRuntimeApi(host, {
      serviceToken: SERVICE_TOKEN,
      info: { host: "sandbox", model: null },
      spend: registrySpend(registry),
    });
    const put = (body: string) =>
      spendApi.fetch(
        new Request(`http://runtime.invalid/v1/workspaces/${REF.workspaceId}/spend`, {
          method: "PUT",
          headers: { authorization: `Bearer ${SERVICE_TOKEN}`, "content-type": "application/json" },
          body,
        }),
      );
    // Unknown: allowed. Bad bodies change nothing.
    expect((await registry.workspaceSpend(REF.workspaceId)).allowed).toBe(true);
    for (const bad of ["{", '{"allowed":false}', '{"allowed":"no","reason":"out_of_credits"}', "x".repeat(2000)])
      expect((await put(bad)).status, bad).toBe(400);
    const refused = await put('{"allowed":false,"reason":"out_of_credits"}');
    expect(await refused.json()).toMatchObject({
      ok: true,
      data: { workspaceId: REF.workspaceId, allowed: false, reason: "out_of_credits" },
    });
    const before = model.requests.length;
    const res = await call(await credentialOf(), await sandboxId(REF), { messages: messages("no credits") });
    expect(res.status).toBe(402);
    expect(await res.json()).toEqual({
      error: { type: "payment_required", code: "payment_required", message: OUT_OF_CREDITS_MESSAGE },
    });
    expect(model.requests.length).toBe(before);
    expect(await registry.modelUsage(REF)).toBeNull();
    // Another workspace's gateway goes on; once the room says so, this one does too.
    expect(
      (await call(await credentialOf(elsewhere), await sandboxId(elsewhere), { messages: messages("b") })).status,
    ).toBe(200);
    expect((await put('{"allowed":true}')).status).toBe(200);
    expect((await call(await credentialOf(), await sandboxId(REF), { messages: messages("again") })).status).toBe(200);
  });

  it("bounds the request like the process host: bad values get a typed 400, other paths a 404, neither reaches upstream", async () => {
    const { api, call, credentialOf } = egressSetup();
    await api("PUT", path(REF));
    const from = await sandboxId(REF);
    const credential = await credentialOf();
    const before = model.requests.length;
    const bad = await call(credential, from, { messages: messages("x"), max_tokens: "lots" });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { type: string } }).error.type).toBe("invalid_request_error");
    expect((await call(credential, from, { messages: messages("x"), tools: [{ type: "web_search" }] })).status).toBe(
      400,
    );
    expect((await call(credential, from, { input: "x" }, "/embeddings")).status).toBe(404);
    expect(model.requests.length).toBe(before);
  });
});

describe("sandbox host: the pass-through's records", () => {
  it(`call slots: at most ${MAX_CALLS_IN_FLIGHT_PER_INSTANCE} per instance, released or lapsed after their lease`, () => {
    let now = 1_000;
    const records = new ModelRecords(new MapKv(), () => now);
    const slots = Array.from({ length: MAX_CALLS_IN_FLIGHT_PER_INSTANCE }, () =>
      records.acquireCall(REF, MAX_CALLS_IN_FLIGHT_PER_INSTANCE, 60_000),
    );
    expect(slots.every((slot) => typeof slot === "string")).toBe(true);
    expect(records.acquireCall(REF, MAX_CALLS_IN_FLIGHT_PER_INSTANCE, 60_000)).toBeNull();
    // Another instance is not held up.
    expect(
      records.acquireCall({ workspaceId: "w2", instanceId: "b" }, MAX_CALLS_IN_FLIGHT_PER_INSTANCE, 60_000),
    ).not.toBeNull();
    records.releaseCall(REF, slots[0]!);
    expect(records.acquireCall(REF, MAX_CALLS_IN_FLIGHT_PER_INSTANCE, 60_000)).not.toBeNull();
    expect(records.acquireCall(REF, MAX_CALLS_IN_FLIGHT_PER_INSTANCE, 60_000)).toBeNull();
    // A Worker that went away mid-call never releases: its slot lapses.
    now += 60_001;
    expect(records.acquireCall(REF, MAX_CALLS_IN_FLIGHT_PER_INSTANCE, 60_000)).not.toBeNull();
  });

  it("keeps only a credential's hash, never next to an instance record", async () => {
    const { api, kv, credentialOf } = egressSetup();
    await api("PUT", path(REF));
    const credential = await credentialOf();
    const stored = JSON.stringify([...kv.map.entries()]);
    expect(stored).toContain(await credentialHash(credential));
    expect(stored).not.toContain(credential);
    expect(stored).not.toContain(MODEL.apiKey);
    // The pass-through's keys are not instances: the cap counts one gateway.
    expect(body(await api("GET", "/v1/health")).data.gateways.active).toBe(1);
  });
});
