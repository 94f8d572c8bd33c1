// The runtime against the real pinned `openclaw` gateway (process host), with the scripted
// OpenAI-compatible model server as the only stand-in. Three gateway starts: provision, a
// restart after a crash, and a wake from sleep. Steps share one runtime and run in order.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import WebSocket from "ws";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { DEVICE_ADDRESS_HEADER, DEVICE_CLIENT_ADDRESS } from "../../shared/runtime/requests";
import { isPortOpen } from "../src/ports";
import {
  api,
  createDeviceIdentity,
  DEVICE_SCOPES,
  type DeviceIdentity,
  isProcessRunning,
  processTree,
  ProxiedGatewayClient,
  SERVICE_TOKEN,
  waitForStatus,
} from "./helpers";
import { OtlpReceiver } from "./otlp-standin";
import { userTexts, type ScriptedModel } from "./scripted-model";
import { startScriptedRuntime, type ScriptedRuntime } from "./scripted-runtime";
import { phaseNames, START_PHASES } from "./start-phases";

const WS = "ws1";
const ALPHA = `/v1/workspaces/${WS}/instances/alpha`;

let setup: ScriptedRuntime;
let collector: OtlpReceiver;
let dataDir: string;
let model: ScriptedModel;
let baseUrl: string;
let wsBase: string;
/** Filled once alpha is ready. */
let alpha: { port: number; pid: number; token: string };
/** A paired device identity and its device token, filled by the credentials test. */
let paired: { device: DeviceIdentity; deviceToken: string } | undefined;

/** The model pass-through's spans go to the stand-in collector, in batches a moment apart. */
const otlpEnv = (url: string) => ({ OTEL_EXPORTER_OTLP_ENDPOINT: url, OTEL_BSP_SCHEDULE_DELAY: "200" });

beforeAll(async () => {
  collector = new OtlpReceiver();
  await collector.start();
  setup = await startScriptedRuntime({
    dataDirPrefix: "runtime-gateway-",
    modelApiKey: "scripted-key",
    env: { RUNTIME_SERVICE_TOKEN: SERVICE_TOKEN, RUNTIME_MAX_GATEWAYS: "1", ...otlpEnv(collector.url) },
  });
  ({ dataDir, model, baseUrl } = setup);
  wsBase = baseUrl.replace(/^http/, "ws");
});

afterAll(async () => {
  await setup?.close();
  await collector?.stop();
});

function upgradeStatus(url: string, headers: Record<string, string>): Promise<{ status: number; body: any }> {
  return new Promise((resolveStatus, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.on("unexpected-response", (_req, res) => {
      let body = "";
      res.on("data", (chunk) => (body += chunk));
      res.on("end", () => resolveStatus({ status: res.statusCode ?? 0, body: JSON.parse(body) }));
    });
    ws.on("open", () => {
      ws.close();
      reject(new Error("upgrade unexpectedly succeeded"));
    });
    ws.on("error", () => {});
  });
}

describe("runtime with the real gateway", () => {
  it("answers 401 in the envelope without the service token or with a wrong one", async () => {
    for (const token of [null, "wrong-token", `${SERVICE_TOKEN}x`]) {
      for (const [method, path] of [
        ["GET", "/v1/health"],
        ["PUT", ALPHA],
        ["GET", "/nope"],
      ] as const) {
        const res = await api(baseUrl, method, path, token);
        expect(res.status).toBe(401);
        expect(res.body).toEqual({ ok: false, error: { code: "unauthenticated", message: expect.any(String) } });
      }
    }
    const ws = await upgradeStatus(`${wsBase}${ALPHA}/gateway`, { authorization: "Bearer wrong" });
    expect(ws.status).toBe(401);
    expect(ws.body.error.code).toBe("unauthenticated");
    const health = await api(baseUrl, "GET", "/v1/health");
    expect(health.body).toMatchObject({
      ok: true,
      data: { status: "ok", gateways: { active: 0, max: 1 }, model: { id: "scripted-model" } },
    });
  });

  it("rejects invalid ids before touching anything", async () => {
    const res = await api(baseUrl, "PUT", `/v1/workspaces/${WS}/instances/Bad..Id`);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ ok: false, error: { code: "invalid_request" } });
    expect(existsSync(join(dataDir, "instances", WS))).toBe(false);
  });

  it("provisions: status goes through the start phases in order and reaches ready", async () => {
    const started = Date.now();
    const res = await api(baseUrl, "PUT", ALPHA);
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ ok: true, data: { workspaceId: WS, instanceId: "alpha", state: "provisioning" } });
    const { final, seen } = await waitForStatus(baseUrl, ALPHA, (s) => s.state === "ready" || s.state === "error");
    expect(final.error).toBeNull();
    expect(final.state).toBe("ready");
    expect(phaseNames(final)).toEqual(START_PHASES);
    expect(final.progress).toBe(100);
    expect(final.gatewayVersion).toBe("2026.9.6");
    const progress = seen.map((s) => s.progress);
    expect([...progress].sort((a, b) => a - b)).toEqual(progress);
    console.log(`gateway ready after ${final.startupMs} ms (test saw ${Date.now() - started} ms)`);

    const token = readFileSync(join(dataDir, "instances", WS, "alpha", "gateway-token"), "utf8").trim();
    alpha = { port: final.port, pid: final.pid, token };
    expect(token.length).toBeGreaterThanOrEqual(32);
    // The status (every version of it) never carries the gateway token.
    expect(JSON.stringify(seen)).not.toContain(token);
    expect(isProcessRunning(alpha.pid)).toBe(true);
    expect(await isPortOpen(alpha.port)).toBe(true);
  });

  it("provision again is idempotent: same port, same process, nothing new started", async () => {
    const treeBefore = processTree(alpha.pid);
    const res = await api(baseUrl, "PUT", ALPHA);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ ok: true, data: { state: "ready", port: alpha.port, pid: alpha.pid } });
    // Nothing new under the gateway: a short-lived child of the gateway's own may end meanwhile.
    const treeAfter = processTree(alpha.pid);
    expect(treeAfter[0]).toBe(alpha.pid);
    expect(treeAfter.filter((pid) => !treeBefore.includes(pid))).toEqual([]);
    const list = await api(baseUrl, "GET", `/v1/workspaces/${WS}/instances`);
    expect(list.body.ok && list.body.data.instances.map((i: { instanceId: string }) => i.instanceId)).toEqual([
      "alpha",
    ]);
    expect(list.text).not.toContain(alpha.token);
  });

  it("past the cap, provisioning fails with a typed error and starts nothing", async () => {
    const res = await api(baseUrl, "PUT", `/v1/workspaces/${WS}/instances/beta`);
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({
      ok: false,
      error: { code: "capacity_exceeded", retryable: false, details: { maxGateways: 1, activeGateways: 1 } },
    });
    expect((await api(baseUrl, "GET", `/v1/workspaces/${WS}/instances/beta`)).status).toBe(404);
  });

  it("proxies the gateway WebSocket: connect handshake (token added by the proxy) and health", async () => {
    // Browser-ish and forwarded headers on the way in: the gateway would refuse them (403 at
    // the upgrade / disallowed Origin), so the proxy must not pass them on.
    const client = await ProxiedGatewayClient.open(`${wsBase}${ALPHA}/gateway`, {
      origin: "https://evil.example",
      "x-forwarded-for": "203.0.113.7",
    });
    // No credentials from the caller: the proxy adds the gateway token.
    const hello = await client.connect();
    expect(hello.ok).toBe(true);
    expect(hello.payload.type).toBe("hello-ok");
    expect(hello.payload.auth.scopes).toEqual(expect.arrayContaining(["operator.read", "operator.write"]));
    const health = await client.request("health", {});
    expect(health.ok).toBe(true);
    expect(health.payload.ok).toBe(true);
    client.close();
    expect(client.rawFrames.join("\n")).not.toContain(alpha.token);

    // A caller's own auth.token passes through (device identities sign over it): a wrong one
    // is the gateway's to refuse. An empty one is replaced like a missing one.
    const guessing = await ProxiedGatewayClient.open(`${wsBase}${ALPHA}/gateway`);
    const refused = await guessing.connect({ token: "caller-does-not-know-it" });
    expect(refused.ok).toBe(false);
    expect(refused.error.code).toBe("INVALID_REQUEST");
    guessing.close();
    const empty = await ProxiedGatewayClient.open(`${wsBase}${ALPHA}/gateway`);
    expect((await empty.connect({ token: "" })).ok).toBe(true);
    empty.close();
  });

  it("gives the gateway token to the service-token holder; a device identity signs over it, pairs, and reconnects with its device token", async () => {
    for (const token of [null, "wrong-token"]) {
      const denied = await api(baseUrl, "GET", `${ALPHA}/credentials`, token);
      expect(denied.status).toBe(401);
      expect(denied.text).not.toContain(alpha.token);
    }
    expect((await api(baseUrl, "GET", `/v1/workspaces/${WS}/instances/nope/credentials`)).status).toBe(404);
    const credentials = await api(baseUrl, "GET", `${ALPHA}/credentials`);
    expect(credentials.status).toBe(200);
    expect(credentials.body).toEqual({ ok: true, data: { token: alpha.token } });

    // A device signed over the gateway token connects as gateway-client/backend, but the
    // gateway skips pairing for a local backend client: no pairing, no device token.
    const device = createDeviceIdentity();
    const unpaired = await ProxiedGatewayClient.open(`${wsBase}${ALPHA}/gateway`);
    const plain = await unpaired.connectWithDevice(device, { token: alpha.token });
    expect(plain.ok, JSON.stringify(plain.error)).toBe(true);
    expect(plain.payload.auth).toMatchObject({ method: "token", role: "operator", scopes: DEVICE_SCOPES });
    expect(plain.payload.auth.deviceToken).toBeUndefined();
    unpaired.close();

    // Pairing connect: the same device and token, client mode "ui": paired silently (local),
    // and hello-ok carries the device token.
    const pairing = await ProxiedGatewayClient.open(`${wsBase}${ALPHA}/gateway`);
    const hello = await pairing.connectWithDevice(device, { token: alpha.token }, "ui");
    expect(hello.ok, JSON.stringify(hello.error)).toBe(true);
    expect(hello.payload.auth).toMatchObject({
      method: "token",
      role: "operator",
      scopes: DEVICE_SCOPES,
      deviceToken: expect.any(String),
    });
    const deviceToken: string = hello.payload.auth.deviceToken;
    expect(deviceToken.length).toBeGreaterThanOrEqual(32);
    expect(deviceToken).not.toBe(alpha.token);
    pairing.close();
    // The gateway token stays masked; the device token reaches the caller.
    expect(pairing.rawFrames.join("\n")).not.toContain(alpha.token);
    expect(pairing.rawFrames.join("\n")).toContain(deviceToken);

    // Later connects: gateway-client/backend with only auth {deviceToken}, signed over it.
    const second = await ProxiedGatewayClient.open(`${wsBase}${ALPHA}/gateway`);
    const again = await second.connectWithDevice(device, { deviceToken });
    expect(again.ok, JSON.stringify(again.error)).toBe(true);
    expect(again.payload.auth).toMatchObject({
      method: "device-token",
      role: "operator",
      scopes: DEVICE_SCOPES,
      deviceToken,
    });
    expect((await second.request("health", {})).ok).toBe(true);
    second.close();
    paired = { device, deviceToken };

    // A device token the gateway did not issue to this device is refused by the gateway.
    const third = await ProxiedGatewayClient.open(`${wsBase}${ALPHA}/gateway`);
    const refused = await third.connectWithDevice(createDeviceIdentity(), { deviceToken });
    expect(refused.ok).toBe(false);
    expect(refused.error.details.code).toBe("AUTH_DEVICE_TOKEN_MISMATCH");
    third.close();
  });

  it("serves the device entry: the gateway's own handshake, no token added, devices are remote and wait for approval", async () => {
    const DEVICE = `${wsBase}${ALPHA}/device`;
    // Only the service-token holder (the party Worker) reaches it.
    expect((await upgradeStatus(DEVICE, { authorization: "Bearer wrong" })).status).toBe(401);

    // The gateway's own challenge; a connect without auth or with a wrong token is the
    // gateway's to refuse: the entry adds nothing (on …/gateway the same connect succeeds).
    for (const auth of [undefined, { token: "caller-does-not-know-it" }]) {
      const raw = await ProxiedGatewayClient.open(DEVICE);
      const challenge = await raw.waitFor((f) => f.type === "event" && f.event === "connect.challenge");
      expect(challenge.payload.nonce).toEqual(expect.any(String));
      const refused = await raw.connect(auth);
      expect(refused.ok, JSON.stringify(auth)).toBe(false);
      expect(refused.error.details.code, JSON.stringify(auth)).toBe(
        auth ? "AUTH_TOKEN_MISMATCH" : "DEVICE_IDENTITY_REQUIRED",
      );
      raw.close();
      expect(raw.rawFrames.join("\n")).not.toContain(alpha.token);
    }

    // Even a device that signs over the real gateway token is not paired silently through
    // the entry (on …/gateway it is, above): it is remote, and its request waits for approval.
    // The Worker names the device's public address: the gateway counts its limits by it. A
    // private one is never passed on (the gateway pairs local peers silently).
    const device = createDeviceIdentity();
    const entry = await ProxiedGatewayClient.open(DEVICE, { [DEVICE_ADDRESS_HEADER]: "8.8.4.4" });
    const pending = await entry.connectWithDevice(device, { token: alpha.token }, "ui");
    expect(pending.ok).toBe(false);
    expect(pending.error).toMatchObject({
      code: "NOT_PAIRED",
      details: { code: "PAIRING_REQUIRED", deviceId: device.id },
    });
    entry.close();
    const lan = createDeviceIdentity();
    const fromLan = await ProxiedGatewayClient.open(DEVICE, { [DEVICE_ADDRESS_HEADER]: "127.0.0.1" });
    expect((await fromLan.connectWithDevice(lan, { token: alpha.token }, "ui")).ok).toBe(false);
    fromLan.close();
    const operator = await ProxiedGatewayClient.open(`${wsBase}${ALPHA}/gateway`);
    expect((await operator.connect(undefined, ["operator.read", "operator.pairing"])).ok).toBe(true);
    const list = await operator.request("device.pair.list", {});
    const asked = (id: string) => list.payload.pending.find((p: { deviceId: string }) => p.deviceId === id);
    expect(asked(device.id)).toMatchObject({ remoteIp: "8.8.4.4" });
    expect(asked(lan.id)).toMatchObject({ remoteIp: DEVICE_CLIENT_ADDRESS });
    expect(list.payload.paired.map((p: { deviceId: string }) => p.deviceId)).not.toContain(device.id);
    operator.close();
  });

  it("a node with a limited setup code through the device entry waits for approval, retrying with the same code, then pairs once", async () => {
    const publicUrl = `ws://127.0.0.1:8787/devices/${WS}/alpha`;
    const operator = await ProxiedGatewayClient.open(`${wsBase}${ALPHA}/gateway`);
    expect((await operator.connect(undefined, ["operator.read", "operator.pairing", "operator.admin"])).ok).toBe(true);
    // What instances.deviceSetup asks for (party/rooms/autopilot/features/gateway-bridge/device-requests.ts, decision 36).
    const minted = await operator.request("device.pair.setupCode", {
      publicUrl,
      bootstrapProfile: "limited",
      includeQr: true,
    });
    expect(minted.ok, JSON.stringify(minted.error)).toBe(true);
    expect(minted.payload.qrDataUrl).toMatch(/^data:image\/png;base64,/);
    const setup = JSON.parse(Buffer.from(minted.payload.setupCode, "base64url").toString("utf8"));
    // The code names the entry, and carries no gateway token.
    expect(setup.url).toBe(publicUrl);
    expect(JSON.stringify(minted.payload)).not.toContain(alpha.token);

    // The gateway does not admit a node host on the code alone: it asks, and tells the node to retry.
    const node = createDeviceIdentity();
    const first = await ProxiedGatewayClient.open(`${wsBase}${ALPHA}/device`);
    const waiting = await first.connectAsNode(node, { bootstrapToken: setup.bootstrapToken });
    expect(waiting.ok).toBe(false);
    expect(waiting.error.details).toMatchObject({
      code: "PAIRING_REQUIRED",
      recommendedNextStep: "wait_then_retry",
      deviceId: node.id,
    });
    first.close();
    const pending = (await operator.request("device.pair.list", {})).payload.pending.find(
      (p: { deviceId: string }) => p.deviceId === node.id,
    );
    expect(pending).toMatchObject({ role: "node", scopes: [] });
    expect((await operator.request("device.pair.approve", { requestId: pending.requestId })).ok).toBe(true);

    // The same code now admits it, as a node only (no operator handoff).
    const entry = await ProxiedGatewayClient.open(`${wsBase}${ALPHA}/device`);
    const hello = await entry.connectAsNode(node, { bootstrapToken: setup.bootstrapToken });
    expect(hello.ok, JSON.stringify(hello.error)).toBe(true);
    expect(hello.payload.auth).toMatchObject({ role: "node", scopes: [], deviceToken: expect.any(String) });
    expect(hello.payload.auth.deviceTokens ?? []).toEqual([]);
    entry.close();

    // Single use: the same code does not pair a second device.
    const again = await ProxiedGatewayClient.open(`${wsBase}${ALPHA}/device`);
    const refused = await again.connectAsNode(createDeviceIdentity(), { bootstrapToken: setup.bootstrapToken });
    expect(refused.ok).toBe(false);
    expect(refused.error.details.code).toBe("AUTH_BOOTSTRAP_TOKEN_INVALID");
    again.close();
    operator.close();
  });

  it("runs a chat turn through the proxy with the scripted model; its model call is a span in the turn's trace", async () => {
    model.setReply("Hello from the scripted model, over the runtime proxy.");
    const client = await ProxiedGatewayClient.open(`${wsBase}${ALPHA}/gateway`);
    expect((await client.connect()).ok).toBe(true);
    // The turn's trace context, as the room's bridge sends one with each chat.send.
    const traceId = "5a1e0c0ffee0000000000000000c4a75";
    const roomSpanId = "00000000000000a1";
    const sent = await client.request(
      "chat.send",
      { sessionKey: "t-1", message: "Say hello please", idempotencyKey: "runtime-test-chat-1" },
      { traceparent: `00-${traceId}-${roomSpanId}-01` },
    );
    expect(sent).toMatchObject({ ok: true, payload: { status: "started" } });
    const final = await client.waitFor(
      (f) =>
        f.type === "event" &&
        f.event === "chat" &&
        f.payload.runId === sent.payload.runId &&
        ["final", "error", "aborted"].includes(f.payload.state),
    );
    expect(final.payload.state).toBe("final");
    expect(JSON.stringify(final.payload.message)).toContain("Hello from the scripted model, over the runtime proxy.");
    expect(model.requests.some((r) => userTexts(r).some((t) => t.includes("Say hello please")))).toBe(true);
    client.close();
    expect(client.rawFrames.join("\n")).not.toContain(alpha.token);
    // The gateway carried the turn's trace into its model request: the pass-through's span is in
    // it, under the gateway's own model-call span (a child of the room's, not the room's itself).
    const spans = await collector.trace(traceId);
    expect(spans[0]).toMatchObject({
      name: "chat scripted-model",
      status: 0,
      parentSpanId: expect.stringMatching(/^[0-9a-f]{16}$/),
      attributes: {
        "gen_ai.operation.name": "chat",
        "gen_ai.request.model": "scripted-model",
        "autopilot.workspace.id": WS,
        "autopilot.instance.id": "alpha",
      },
    });
    expect(spans[0]?.parentSpanId).not.toBe(roomSpanId);
    expect(spans[0]?.attributes["gen_ai.usage.input_tokens"]).toBeGreaterThan(0);
    expect(JSON.stringify(spans)).not.toContain("Say hello please");
  });

  it("backs up the instance into a .tar.gz archive", async () => {
    const res = await api(baseUrl, "POST", `${ALPHA}/backups`);
    expect(res.status, res.text).toBe(201);
    expect(res.body.ok && res.body.data.name).toMatch(/\.tar\.gz$/);
    const name = res.body.ok ? res.body.data.name : "";
    expect(existsSync(join(dataDir, "backups", WS, "alpha", name))).toBe(true);
    const list = await api(baseUrl, "GET", `${ALPHA}/backups`);
    expect(list.body.ok && list.body.data.backups.map((b: { name: string }) => b.name)).toEqual([name]);
  });

  it("detects a crashed gateway, refuses the proxy meanwhile, and restart brings it back", async () => {
    process.kill(alpha.pid, "SIGKILL");
    const { final } = await waitForStatus(baseUrl, ALPHA, (s) => s.state === "error", 15_000);
    expect(final.error).toMatchObject({ code: "gateway_failed", message: expect.stringContaining("SIGKILL") });
    const refused = await upgradeStatus(`${wsBase}${ALPHA}/gateway`, { authorization: `Bearer ${SERVICE_TOKEN}` });
    expect(refused.status).toBe(503);
    expect(refused.body.error.code).toBe("not_ready");

    const res = await api(baseUrl, "POST", `${ALPHA}/restart`);
    expect(res.status).toBe(202);
    const ready = await waitForStatus(baseUrl, ALPHA, (s) => s.state === "ready" || s.state === "error");
    expect(ready.final).toMatchObject({ state: "ready", restarts: 1, error: null });
    expect(ready.final.pid).not.toBe(alpha.pid);
    console.log(`gateway ready again after restart in ${ready.final.startupMs} ms`);
    alpha = { ...alpha, port: ready.final.port, pid: ready.final.pid };
    // The token survives restarts, so credentials the Autopilot fetched stay valid.
    expect(readFileSync(join(dataDir, "instances", WS, "alpha", "gateway-token"), "utf8").trim()).toBe(alpha.token);
    expect((await api(baseUrl, "GET", `${ALPHA}/credentials`)).body).toEqual({
      ok: true,
      data: { token: alpha.token },
    });
    // The pairing is gateway state: the device token still works after the restart.
    expect(paired).toBeDefined();
    const client = await ProxiedGatewayClient.open(`${wsBase}${ALPHA}/gateway`);
    const hello = await client.connectWithDevice(paired!.device, { deviceToken: paired!.deviceToken });
    expect(hello.ok, JSON.stringify(hello.error)).toBe(true);
    expect(hello.payload.auth).toMatchObject({ method: "device-token", scopes: DEVICE_SCOPES });
    client.close();
  });

  it("sleeps on request (process gone, state kept) unless a device is connected; a device connecting wakes it", async () => {
    const path = `${ALPHA}/sleep`;
    // A device or node connected through the entry keeps the instance awake.
    const holding = await ProxiedGatewayClient.open(`${wsBase}${ALPHA}/device`);
    await holding.waitFor((f) => f.type === "event" && f.event === "connect.challenge");
    const refused = await api(baseUrl, "POST", path);
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ error: { code: "conflict", message: expect.stringContaining("device") } });
    expect(isProcessRunning(alpha.pid)).toBe(true);
    holding.close();
    // Closed, it no longer does (its close reaches the proxy a moment later).
    let asleep = await api(baseUrl, "POST", path);
    await vi.waitFor(
      async () => {
        asleep = asleep.status === 200 ? asleep : await api(baseUrl, "POST", path);
        expect(asleep.status, asleep.text).toBe(200);
      },
      { timeout: 10_000 },
    );
    expect(asleep.body).toMatchObject({ ok: true, data: { state: "asleep" } });
    // The process and its port are gone; the state directory stays.
    await vi.waitFor(() => expect(isProcessRunning(alpha.pid)).toBe(false), { timeout: 15_000 });
    expect(await isPortOpen(alpha.port)).toBe(false);
    expect(existsSync(join(dataDir, "instances", WS, "alpha", "gateway-token"))).toBe(true);
    // Again: nothing to do, the same answer.
    expect((await api(baseUrl, "POST", path)).body).toMatchObject({
      ok: true,
      data: { state: "asleep", phase: "asleep" },
    });
    // Asleep, it counts against no cap: the health says no gateway is active.
    expect((await api(baseUrl, "GET", "/v1/health")).body).toMatchObject({ data: { gateways: { active: 0 } } });

    // A device connecting through the entry is traffic: the upgrade waits for the wake.
    const device = await ProxiedGatewayClient.open(`${wsBase}${ALPHA}/device`);
    const challenge = await device.waitFor((f) => f.type === "event" && f.event === "connect.challenge");
    expect(challenge.payload.nonce).toEqual(expect.any(String));
    const now = (await api(baseUrl, "GET", ALPHA)).body;
    const woken = now.ok ? now.data : null;
    expect(woken).toMatchObject({ state: "ready", error: null });
    expect(woken.pid).not.toBe(alpha.pid);
    console.log(`gateway woken by a device in ${woken.startupMs} ms`);
    alpha = { ...alpha, port: woken.port, pid: woken.pid };
    device.close();
    // Woken from the same state: the paired device's token still works.
    const client = await ProxiedGatewayClient.open(`${wsBase}${ALPHA}/gateway`);
    const hello = await client.connectWithDevice(paired!.device, { deviceToken: paired!.deviceToken });
    expect(hello.ok, JSON.stringify(hello.error)).toBe(true);
    client.close();
  });

  it("delete stops the gateway (process gone, port closed) and removes its state", async () => {
    const tree = processTree(alpha.pid);
    expect(tree.length).toBeGreaterThan(1); // the gateway and its helper processes
    const res = await api(baseUrl, "DELETE", ALPHA);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ ok: true, data: { deleted: true, mode: "remove" } });
    await vi.waitFor(() => expect(tree.filter(isProcessRunning), "the gateway's processes still running").toEqual([]), {
      timeout: 10_000,
      interval: 100,
    });
    expect(await isPortOpen(alpha.port)).toBe(false);
    expect(existsSync(join(dataDir, "instances", WS, "alpha"))).toBe(false);
    expect(existsSync(join(dataDir, "backups", WS, "alpha"))).toBe(false);
    expect((await api(baseUrl, "GET", ALPHA)).body).toMatchObject({ ok: false, error: { code: "not_found" } });
    expect((await api(baseUrl, "DELETE", ALPHA)).status).toBe(404);
    const health = await api(baseUrl, "GET", "/v1/health");
    expect(health.body).toMatchObject({ ok: true, data: { gateways: { active: 0 } } });
  });
});
