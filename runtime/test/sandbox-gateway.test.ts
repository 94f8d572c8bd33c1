// The sandbox host's gateway proxy, credentials route, API surface and contract, with the SDK
// and R2 faked at their boundary (sandbox-fakes.ts); everything else is the real code.
import { describe, expect, it, vi } from "vitest";
import type { z } from "zod";
import { envelopeSchema } from "../../shared/runtime/envelope";
import {
  backupListSchema,
  backupSchema,
  credentialsSchema,
  deleteOutcomeSchema,
  healthSchema,
  instanceListSchema,
} from "../../shared/runtime/responses";
import { instanceStatusSchema } from "../../shared/runtime/status";
import { bridgeGatewaySockets } from "../sandbox/gateway-socket";
import { loadSandboxConfig } from "../sandbox/sandbox-config";
import { CONTAINER_PATHS, GATEWAY_PORT } from "../sandbox/sandbox-boundary";
import { DEVICE_CLIENT_ADDRESS } from "../../shared/runtime/requests";

import { tenantCredential } from "../../shared/runtime/tenant";
import { SERVICE_TOKEN, REF, FakeSocket, setup, path, body, TENANT_KEY } from "./sandbox-fakes";

describe("sandbox host: gateway proxy", () => {
  it("injects the gateway token into the caller's connect and masks it on the way back", async () => {
    const { sdk, host } = setup();
    await host.provision(REF);
    const sandbox = await sdk.sandboxFor(REF);
    const token = sandbox.text(CONTAINER_PATHS.tokenFile)!.trim();

    const opened = await host.openGateway(REF);
    expect(opened.ok).toBe(true);
    if (!opened.ok) return;
    const client = new FakeSocket();
    bridgeGatewaySockets(client, opened.value.upstream, opened.value.token);
    const upstream = sandbox.gatewaySockets.at(-1)!;
    // A fresh upstream request: no caller header is copied.
    const request = sandbox.calls.filter((c) => c.method === "wsConnect").at(-1)!.args[0] as Request;
    expect([...request.headers.keys()]).toEqual(["upgrade"]);
    expect(sandbox.calls.filter((c) => c.method === "wsConnect").at(-1)!.args[1]).toBe(GATEWAY_PORT);

    await vi.waitFor(() => expect(client.sent).toHaveLength(1));
    expect(JSON.parse(String(client.sent[0])).event).toBe("connect.challenge");
    client.emit("message", {
      data: JSON.stringify({
        type: "req",
        id: "c1",
        method: "connect",
        params: { client: { id: "gateway-client", mode: "backend" } },
      }),
    });
    // The gateway's answer to the connect, and the event it sends after it.
    await vi.waitFor(() => expect(client.sent.length).toBeGreaterThanOrEqual(3));
    const forwarded = JSON.parse(sandbox.gatewayFrames.at(-1)!);
    expect(forwarded.params.auth).toEqual({ token });
    const answers = client.sent.slice(1).map(String);
    expect(JSON.parse(answers[0]!)).toMatchObject({ type: "res", id: "c1", ok: true });
    expect(answers.join("\n")).not.toContain(token);
    expect(answers[1]).toContain("[redacted]");

    // After the handshake, frames pass through untouched (no second injection).
    client.emit("message", { data: JSON.stringify({ type: "req", id: "c2", method: "connect", params: {} }) });
    expect(JSON.parse(sandbox.gatewayFrames.at(-1)!).params.auth).toBeUndefined();

    // Close codes are forwarded, reserved ones mapped.
    client.emit("close", { code: 1006, reason: "" });
    expect(upstream.closed).toEqual({ code: 1011, reason: "" });

    // The status never carries the token.
    expect(JSON.stringify(await host.status(REF))).not.toContain(token);
    expect(JSON.stringify(await host.list(REF.workspaceId))).not.toContain(token);
  });

  it("passes a device identity's own auth through to the gateway untouched", async () => {
    const { sdk, host } = setup();
    await host.provision(REF);
    const sandbox = await sdk.sandboxFor(REF);
    const opened = await host.openGateway(REF);
    if (!opened.ok) throw new Error(opened.error.message);
    const client = new FakeSocket();
    bridgeGatewaySockets(client, opened.value.upstream, opened.value.token);
    await vi.waitFor(() => expect(client.sent).toHaveLength(1));
    const connect = JSON.stringify({
      type: "req",
      id: "c1",
      method: "connect",
      params: { auth: { deviceToken: "device-token-1" }, device: { id: "d1", signature: "s" } },
    });
    client.emit("message", { data: connect });
    await vi.waitFor(() => expect(client.sent).toHaveLength(2));
    expect(sandbox.gatewayFrames.at(-1)).toBe(connect);
    // The fake gateway knows only the gateway token, so it refuses: the caller sees that answer.
    expect(JSON.parse(String(client.sent.at(-1)))).toMatchObject({ type: "res", id: "c1", ok: false });
  });

  it("serves the device entry: nothing injected, the device reported as a remote peer, the token still masked", async () => {
    const { sdk, host, api } = setup();
    await host.provision(REF);
    const sandbox = await sdk.sandboxFor(REF);
    const token = sandbox.text(CONTAINER_PATHS.tokenFile)!.trim();
    const opened = await host.openGateway(REF, "device");
    if (!opened.ok) throw new Error(opened.error.message);
    const request = sandbox.calls.filter((c) => c.method === "wsConnect").at(-1)!.args[0] as Request;
    // The gateway trusts loopback as a proxy (gateway-config.ts): a device is never a local peer.
    expect(request.headers.get("x-forwarded-for")).toBe(DEVICE_CLIENT_ADDRESS);
    // The Worker's word for the device's address is passed on when it is public, never a private one.
    for (const [given, sent] of [
      ["8.8.4.4", "8.8.4.4"],
      ["10.1.2.3", DEVICE_CLIENT_ADDRESS],
    ] as const) {
      const other = await host.openGateway(REF, "device", given);
      if (!other.ok) throw new Error(other.error.message);
      const req = sandbox.calls.filter((c) => c.method === "wsConnect").at(-1)!.args[0] as Request;
      expect(req.headers.get("x-forwarded-for"), given).toBe(sent);
    }
    const client = new FakeSocket();
    bridgeGatewaySockets(client, opened.value.upstream, opened.value.token, { inject: false });
    await vi.waitFor(() => expect(client.sent).toHaveLength(1));
    const connect = JSON.stringify({
      type: "req",
      id: "c1",
      method: "connect",
      params: { role: "node", auth: { bootstrapToken: "b" } },
    });
    client.emit("message", { data: connect });
    await vi.waitFor(() => expect(client.sent).toHaveLength(2));
    // Forwarded as the device sent it: no gateway token added, so the gateway refuses it.
    expect(sandbox.gatewayFrames.at(-1)).toBe(connect);
    expect(JSON.parse(String(client.sent.at(-1)))).toMatchObject({ type: "res", id: "c1", ok: false });
    expect(client.sent.map(String).join("\n")).not.toContain(token);
    // Through the API: the route is an upgrade behind the service token, like …/gateway.
    expect((await api("GET", path(REF, "/device"))).status).toBe(400);
    expect((await api("GET", path(REF, "/device"), null)).status).toBe(401);
  });

  it("answers not_ready before the instance is provisioned", async () => {
    const { host } = setup();
    const opened = await host.openGateway(REF);
    expect(!opened.ok && opened.error.code).toBe("not_found");
  });
});

describe("sandbox host: credentials", () => {
  it("answers the gateway token from the container to the service-token holder only", async () => {
    const { sdk, api } = setup();
    expect(body(await api("GET", path(REF, "/credentials"))).error.code).toBe("not_found");
    await api("PUT", path(REF));
    const sandbox = await sdk.sandboxFor(REF);
    const token = sandbox.text(CONTAINER_PATHS.tokenFile)!.trim();

    const answer = await api("GET", path(REF, "/credentials"));
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ ok: true, data: { token } });
    expect(sandbox.calls.filter((c) => c.method === "readFile").at(-1)!.args[0]).toBe(CONTAINER_PATHS.tokenFile);

    for (const bad of [null, "wrong"]) {
      const denied = await api("GET", path(REF, "/credentials"), bad);
      expect(denied.status).toBe(401);
      expect(JSON.stringify(denied.body)).not.toContain(token);
    }
    expect((await api("POST", path(REF, "/credentials"))).status).toBe(405);
    expect(body(await api("GET", path({ ...REF, workspaceId: "other" }, "/credentials"))).error.code).toBe("not_found");

    // The same token after a restart.
    await api("POST", path(REF, "/restart"));
    expect(body(await api("GET", path(REF, "/credentials"))).data).toEqual({ token });
  });

  it("answers not_ready while the container has no token, and maps SDK failures", async () => {
    const { sdk, host, api } = setup();
    await host.provision(REF);
    const sandbox = await sdk.sandboxFor(REF);
    sandbox.files.delete(CONTAINER_PATHS.tokenFile);
    const missing = await api("GET", path(REF, "/credentials"));
    expect(missing.status).toBe(503);
    expect(body(missing).error).toMatchObject({ code: "not_ready", retryable: true });

    sdk.failure = Object.assign(new Error("no container"), {
      name: "ContainerUnavailableError",
      reason: "container_starting",
    });
    const unavailable = await api("GET", path(REF, "/credentials"));
    expect(unavailable.status).toBe(502);
    expect(body(unavailable).error).toMatchObject({ code: "gateway_unavailable", retryable: true });
  });
});

describe("sandbox host: API surface", () => {
  it("answers 401 without the service token, before anything else", async () => {
    const { sdk, api } = setup();
    for (const token of [null, "wrong"]) {
      const answer = await api("PUT", path(REF), token);
      expect(answer.status).toBe(401);
      expect(answer.headers["www-authenticate"]).toBe("Bearer");
      expect(body(answer).error.code).toBe("unauthenticated");
    }
    expect(sdk.opened).toHaveLength(0);
  });

  it("takes a workspace's credential for its own instances only, and never the tenant key itself", async () => {
    const { sdk, api } = setup();
    const own = await tenantCredential(TENANT_KEY, REF.workspaceId);
    const other = { ...REF, workspaceId: "WsBeta_2" };
    expect((await api("PUT", path(REF), own)).status).toBe(202);
    expect((await api("GET", path(REF, "/credentials"), own)).status).toBe(200);
    expect((await api("GET", "/v1/health", own)).status).toBe(200);
    for (const [method, bearer, url] of [
      ["PUT", own, path(other)],
      ["GET", own, path(other, "/credentials")],
      ["GET", TENANT_KEY, path(REF, "/credentials")],
      ["GET", await tenantCredential(TENANT_KEY, other.workspaceId), path(REF, "/credentials")],
    ] as const) {
      const refused = await api(method, url, bearer);
      expect(refused.status, url).toBe(401);
      expect(body(refused).error.code, url).toBe("unauthenticated");
    }
    // Only REF's sandbox was ever opened: the refused PUT for the other workspace reached nothing.
    expect(new Set(sdk.opened.map((o) => o.id)).size).toBe(1);
  });

  it("validates ids and methods like the process host", async () => {
    const { api } = setup();
    expect(body(await api("PUT", "/v1/workspaces/ws/instances/Bad")).error.code).toBe("invalid_request");
    expect((await api("PATCH", path(REF))).status).toBe(405);
    expect((await api("GET", "/v1/nope")).status).toBe(404);
    expect((await api("GET", path(REF))).status).toBe(404);
  });

  it("long-polls the status version", async () => {
    const { api } = setup();
    const ready = body(await api("PUT", path(REF))).data;
    // On a fake clock: with nothing new, the answer waits out waitMs, and no longer.
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });
    let answer: Awaited<ReturnType<typeof api>> | undefined;
    try {
      const polled = api("GET", path(REF, `?sinceVersion=${ready.version}&waitMs=50`)).then((a) => (answer = a));
      await vi.advanceTimersByTimeAsync(49);
      expect(answer).toBeUndefined();
      await vi.advanceTimersByTimeAsync(1);
      await polled;
    } finally {
      vi.useRealTimers();
    }
    expect(body(answer!).data.version).toBe(ready.version);
    expect(body(await api("GET", path(REF, "?sinceVersion=0&waitMs=5000"))).data.state).toBe("ready");
  });
});

describe("sandbox config", () => {
  it("needs the service token secret and reads the model like the process host", () => {
    expect(loadSandboxConfig({}).ok).toBe(false);
    const loaded = loadSandboxConfig({
      RUNTIME_SERVICE_TOKEN: SERVICE_TOKEN,
      OPENCLAW_MODEL_BASE_URL: "http://m/v1/",
      OPENCLAW_MODEL_ID: "m1",
    });
    expect(loaded.ok && loaded.value).toMatchObject({
      deleteMode: "remove",
      model: { baseUrl: "http://m/v1", modelId: "m1", apiKey: undefined },
      maxGateways: 20,
    });
    expect(loadSandboxConfig({ RUNTIME_SERVICE_TOKEN: SERVICE_TOKEN, OPENCLAW_MODEL_ID: "m1" }).ok).toBe(false);
    expect(loadSandboxConfig({ RUNTIME_SERVICE_TOKEN: SERVICE_TOKEN, RUNTIME_DELETE_MODE: "shred" }).ok).toBe(false);
    // The tenant keys: current, then the previous one during a rotation; each a secret of 32+ characters.
    const keys = { RUNTIME_TENANT_KEY: TENANT_KEY, RUNTIME_TENANT_KEY_PREVIOUS: `previous-${TENANT_KEY}` };
    expect(loadSandboxConfig({ RUNTIME_SERVICE_TOKEN: SERVICE_TOKEN, ...keys })).toMatchObject({
      ok: true,
      value: { tenantKeys: [keys.RUNTIME_TENANT_KEY, keys.RUNTIME_TENANT_KEY_PREVIOUS] },
    });
    expect(loadSandboxConfig({ RUNTIME_SERVICE_TOKEN: SERVICE_TOKEN, RUNTIME_TENANT_KEY: "short" }).ok).toBe(false);
  });
});

describe("sandbox host: the API contract", () => {
  it("answers every route in the shapes shared/runtime/ declares (what the Autopilot's client accepts)", async () => {
    const { api } = setup({ deleteMode: "archive" });
    const check = async (schema: z.ZodType, method: string, url: string) => {
      const answer = await api(method, url);
      const parsed = envelopeSchema(schema).safeParse(answer.body);
      expect(parsed.success, `${method} ${url}: ${JSON.stringify(answer.body)}`).toBe(true);
      return answer.body as { ok: boolean };
    };
    expect((await check(healthSchema, "GET", "/v1/health")).ok).toBe(true);
    expect((await check(instanceStatusSchema, "PUT", path(REF))).ok).toBe(true);
    expect((await check(instanceStatusSchema, "GET", path(REF, "?sinceVersion=0&waitMs=0"))).ok).toBe(true);
    expect((await check(instanceListSchema, "GET", `/v1/workspaces/${REF.workspaceId}/instances`)).ok).toBe(true);
    expect((await check(credentialsSchema, "GET", path(REF, "/credentials"))).ok).toBe(true);
    expect((await check(backupSchema, "POST", path(REF, "/backups"))).ok).toBe(true);
    expect((await check(backupListSchema, "GET", path(REF, "/backups"))).ok).toBe(true);
    expect((await check(instanceStatusSchema, "POST", path(REF, "/restart"))).ok).toBe(true);
    expect((await check(deleteOutcomeSchema, "DELETE", path(REF))).ok).toBe(true);
    // Errors are envelopes too.
    expect((await check(instanceStatusSchema, "GET", path(REF))).ok).toBe(false);
  });
});
