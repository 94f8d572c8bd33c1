// Pure parts of the runtime: configuration, the gateway config writer, ids, envelope,
// routes (through the API app with a recording host), token checks and the proxy's frame rewriting.
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { isAuthorized, tokenMatches } from "../src/auth";
import { defaultMaxGateways, loadConfig } from "../src/config";
import { errorEnvelope, okEnvelope, statusFor } from "../../shared/runtime/envelope";
import { RUNTIME_ERROR_STATUS as ERROR_CODES } from "../../shared/runtime/errors";
import { ROUTE_METHODS } from "../../shared/runtime/requests";
import { handleApiRequest } from "../src/api";
import { createApiHandler } from "../src/http-api";
import { okResult, runtimeError } from "../src/errors";
import { buildGatewayConfig, carryChannels, MAX_CARRIED_CONFIG_BYTES, MODEL_API_KEY_ENV } from "../src/gateway-config";
import { validateInstanceId, validateRef, validateWorkspaceId } from "../src/ids";
import { matchGatewayPath } from "../src/gateway-path";
import type { RuntimeHost } from "../src/host";
import { forwardableCloseCode, injectGatewayToken, redactToken } from "../src/ws-proxy";
import { gatewayBlock, TOKEN } from "./gateway-fixtures";

const tmp = mkdtempSync(join(tmpdir(), "runtime-unit-"));
const TENANT_KEY = "tenant-key-0123456789abcdef0123456789abcdef";
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("ids", () => {
  it("accepts lower-case slugs as instance ids", () => {
    for (const id of ["a", "alpha", "my-instance-2", "0x"]) expect(validateInstanceId(id).ok).toBe(true);
  });
  it("rejects anything that could leave its directory or is not a slug", () => {
    for (const id of [
      "",
      ".",
      "..",
      "../x",
      "a/b",
      "Alpha",
      "-a",
      "a-",
      "a_b",
      "a.b",
      "a b",
      "x".repeat(49),
      "%2e%2e",
    ]) {
      const result = validateInstanceId(id);
      expect(result.ok, id).toBe(false);
      if (!result.ok) expect(result.error.code).toBe("invalid_request");
    }
  });
  it("accepts auth-style workspace ids and rejects path tricks", () => {
    expect(validateWorkspaceId("aB3dE_f-9").ok).toBe(true);
    for (const id of ["", "..", "a/b", "a.b", "_a", "x".repeat(65)]) expect(validateWorkspaceId(id).ok, id).toBe(false);
    expect(validateRef("ws1", "Bad").ok).toBe(false);
    expect(validateRef("ws1", "good")).toEqual({ ok: true, value: { workspaceId: "ws1", instanceId: "good" } });
  });
});

describe("envelope and errors", () => {
  it("wraps data and errors in one envelope", () => {
    expect(okEnvelope({ a: 1 })).toEqual({ ok: true, data: { a: 1 } });
    expect(errorEnvelope(runtimeError("not_found", "nope"))).toEqual({
      ok: false,
      error: { code: "not_found", message: "nope" },
    });
    expect(errorEnvelope(runtimeError("not_ready", "wait", { retryable: true, details: { phase: "x" } }))).toEqual({
      ok: false,
      error: { code: "not_ready", message: "wait", retryable: true, details: { phase: "x" } },
    });
  });
  it("maps every code to an HTTP status", () => {
    expect(statusFor(runtimeError("unauthenticated", ""))).toBe(401);
    expect(statusFor(runtimeError("capacity_exceeded", ""))).toBe(503);
    for (const status of Object.values(ERROR_CODES)) expect(status).toBeGreaterThanOrEqual(400);
  });
});

describe("auth", () => {
  it("compares tokens in constant time and only accepts Bearer", () => {
    expect(tokenMatches("abc", "abc")).toBe(true);
    expect(tokenMatches("abc", "abd")).toBe(false);
    expect(tokenMatches("abc", "abcd")).toBe(false);
    expect(isAuthorized({ authorization: `Bearer ${TOKEN}` }, TOKEN)).toBe(true);
    expect(isAuthorized({ authorization: `bearer ${TOKEN}` }, TOKEN)).toBe(true);
    expect(isAuthorized({ authorization: `Basic ${TOKEN}` }, TOKEN)).toBe(false);
    expect(isAuthorized({ authorization: "Bearer wrong" }, TOKEN)).toBe(false);
    expect(isAuthorized({}, TOKEN)).toBe(false);
  });
});

describe("routes", () => {
  /** A host that records which operation each request reached, and with what. */
  function recordingHost() {
    const calls: [string, unknown][] = [];
    const note = <T>(name: string, arg: unknown, answer: T): T => {
      calls.push([name, arg]);
      return answer;
    };
    const record = (name: string) => (arg: unknown) => note(name, arg, okResult({}) as never);
    const host = {
      maxGateways: 1,
      activeCount: () => 0,
      list: (workspaceId: string) => note("list", workspaceId, []),
      status: record("instance"),
      waitForChange: async (ref: unknown) => record("instance")(ref),
      provision: async (ref: unknown) => note("provision", ref, okResult({ status: {}, started: true }) as never),
      restart: async (ref: unknown) => record("restart")(ref),
      backup: async (ref: unknown) =>
        note(
          "backup",
          ref,
          okResult({
            name: "b.tar.gz",
            path: "/internal/b.tar.gz",
            sizeBytes: 1,
            createdAt: "2026-01-01T00:00:00.000Z",
          }) as never,
        ),
      listBackups: (ref: unknown) => note("backups", ref, []),
      pruneBackups: async (ref: unknown, keep: number) => note("prune", [ref, keep], ["old.tar.gz"]),
      restore: async (ref: unknown, name: string) => note("restore", [ref, name], okResult({}) as never),
      credentials: record("credentials"),
      delete: async (ref: unknown) => record("delete")(ref),
    } as unknown as RuntimeHost;
    const call = (method: string, url: string) =>
      handleApiRequest(
        host,
        TOKEN,
        { host: "process", model: null },
        { method, url, authorization: `Bearer ${TOKEN}` },
      );
    /** Each of `urls` is answered `status` with the error `code` (a failure names the url). */
    const refuses = async (method: string, urls: string[], status: number, code: string) => {
      for (const url of urls) {
        const answer = await call(method, url);
        expect(answer.status, url).toBe(status);
        expect((answer.body as { error: { code: string } }).error.code, url).toBe(code);
      }
    };
    return { calls, call, refuses };
  }
  const ref = { workspaceId: "ws1", instanceId: "a" };

  it("matches the API surface", async () => {
    const { calls, call, refuses } = recordingHost();
    expect(((await call("GET", "/v1/health")).body as { data: { status: string } }).data.status).toBe("ok");
    await call("GET", "/v1/workspaces/ws1/instances");
    await call("GET", "/v1/workspaces/ws1/instances/a");
    await call("POST", "/v1/workspaces/ws1/instances/a/restart");
    await call("GET", "/v1/workspaces/ws1/instances/a/backups");
    await call("GET", "/v1/workspaces/ws1/instances/a/credentials");
    expect(calls).toEqual([
      ["list", "ws1"],
      ["instance", ref],
      ["restart", ref],
      ["backups", ref],
      ["credentials", ref],
    ]);
    // The gateway route exists (a plain GET is told to upgrade) and its matcher finds the ids.
    expect((await call("GET", "/v1/workspaces/ws1/instances/a/gateway")).status).toBe(400);
    expect(matchGatewayPath("/v1/workspaces/ws1/instances/a/gateway")).toEqual({ route: "gateway", ...ref });
    // So does the device entry's (ws-proxy.ts adds no token there).
    expect((await call("GET", "/v1/workspaces/ws1/instances/a/device")).status).toBe(400);
    expect(matchGatewayPath("/v1/workspaces/ws1/instances/a/device")).toEqual({ route: "device", ...ref });
    expect(ROUTE_METHODS.credentials).toEqual(["GET"]);
    const notRoutes = [
      "/",
      "/v1",
      "/v1/workspaces/ws1",
      "/v1/workspaces/ws1/instances/a/nope",
      "/v1/workspaces//instances/a",
      "/v1/workspaces/ws1/instances/a/restart/x",
      "/v1/workspaces/ws1/instances/a/credentials/x",
    ];
    await refuses("GET", notRoutes, 404, "not_found");
    for (const path of notRoutes) expect(matchGatewayPath(path), path).toBeUndefined();
    expect(calls).toHaveLength(5);
  });

  it("backs up with retention and restores a chosen backup; bad names never reach the host", async () => {
    const { calls, call, refuses } = recordingHost();
    const created = await call("POST", "/v1/workspaces/ws1/instances/a/backups?keep=3");
    expect(created.status).toBe(201);
    // The archive's internal path stays in the runtime.
    expect((created.body as { data: unknown }).data).toEqual({
      name: "b.tar.gz",
      sizeBytes: 1,
      createdAt: "2026-01-01T00:00:00.000Z",
      pruned: ["old.tar.gz"],
    });
    const name = "2026-01-31T12-00-00-000Z.tar.gz";
    expect((await call("POST", `/v1/workspaces/ws1/instances/a/restore?backup=${name}`)).status).toBe(202);
    expect(calls).toEqual([
      ["backup", ref],
      ["prune", [ref, 3]],
      ["restore", [ref, name]],
    ]);
    const badNames = [
      "/v1/workspaces/ws1/instances/a/backups?keep=0",
      "/v1/workspaces/ws1/instances/a/restore",
      "/v1/workspaces/ws1/instances/a/restore?backup=..%2F..%2Fsecret.tar.gz",
      "/v1/workspaces/ws1/instances/a/restore?backup=x.tar.gz",
    ];
    await refuses("POST", badNames, 400, "invalid_request");
    expect(calls).toHaveLength(3);
    expect((await call("GET", "/v1/workspaces/ws1/instances/a/restore")).status).toBe(405);
  });
  it("answers a method fetch cannot carry (TRACE) with 405 through the Node server, not a crash", async () => {
    const { createServer, request } = await import("node:http");
    const server = createServer(
      createApiHandler({ maxGateways: 1, activeCount: () => 0 } as unknown as RuntimeHost, TOKEN, { model: null }),
    );
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as { port: number };
    try {
      const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = request(
          {
            host: "127.0.0.1",
            port,
            method: "TRACE",
            path: "/v1/health",
            headers: { authorization: `Bearer ${TOKEN}` },
          },
          (res) => {
            let body = "";
            res.setEncoding("utf8").on("data", (chunk: string) => (body += chunk));
            res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
          },
        );
        req.on("error", reject);
        req.end();
      });
      expect(answer.status).toBe(405);
      expect(JSON.parse(answer.body)).toMatchObject({ ok: false, error: { code: "method_not_allowed" } });
    } finally {
      server.close();
    }
  });
  it("decodes segments so validation sees what the path means", async () => {
    expect(matchGatewayPath("/v1/workspaces/ws1/instances/%2E%2E/gateway")).toEqual({
      route: "gateway",
      workspaceId: "ws1",
      instanceId: "..",
    });
    expect(validateInstanceId("..").ok).toBe(false);
    const { calls, call } = recordingHost();
    const answer = await call("GET", "/v1/workspaces/ws1/instances/a%2Fb");
    expect(answer.body).toMatchObject({
      ok: false,
      error: { code: "invalid_request", details: { field: "instanceId" } },
    });
    expect(calls).toEqual([]);
  });
});

describe("config", () => {
  const base = { RUNTIME_DATA_DIR: join(tmp, "data"), RUNTIME_SERVICE_TOKEN: TOKEN };
  it("reads defaults", () => {
    const result = loadConfig(base);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value).toMatchObject({
      host: "127.0.0.1",
      port: 8790,
      serviceToken: TOKEN,
      serviceTokenSource: "env",
      tenantKeys: [],
      deleteMode: "remove",
      model: undefined,
    });
    expect(result.value.maxGateways).toBe(defaultMaxGateways());
  });
  it("reads the tenant keys, current first", () => {
    const keys = { RUNTIME_TENANT_KEY: TENANT_KEY, RUNTIME_TENANT_KEY_PREVIOUS: `previous-${TENANT_KEY}` };
    expect(loadConfig({ ...base, ...keys })).toMatchObject({ ok: true, value: { tenantKeys: Object.values(keys) } });
  });
  it("derives the gateway cap from memory and cores", () => {
    const GB = 1024 ** 3;
    expect(defaultMaxGateways(24 * GB, 2)).toBe(4);
    expect(defaultMaxGateways(8 * GB, 16)).toBe(2);
    expect(defaultMaxGateways(2 * GB, 1)).toBe(1);
  });
  it("rejects bad values with a message naming the variable", () => {
    const bad = [
      { RUNTIME_SERVICE_TOKEN: "short" },
      { RUNTIME_TENANT_KEY: "short" },
      { RUNTIME_TENANT_KEY: TENANT_KEY, RUNTIME_TENANT_KEY_PREVIOUS: "short" },
      { RUNTIME_TENANT_KEY_PREVIOUS: TENANT_KEY },
      { RUNTIME_MAX_GATEWAYS: "0" },
      { RUNTIME_PORT: "x" },
      { RUNTIME_DELETE_MODE: "shred" },
      { OPENCLAW_MODEL_BASE_URL: "http://127.0.0.1:1/v1" },
      { OPENCLAW_MODEL_ID: "m" },
      { OPENCLAW_MODEL_BASE_URL: "ftp://x", OPENCLAW_MODEL_ID: "m" },
    ];
    for (const env of bad) {
      const result = loadConfig({ ...base, ...env });
      expect(result.ok, JSON.stringify(env)).toBe(false);
      if (!result.ok) expect(result.error.message).toMatch(/RUNTIME_|OPENCLAW_/);
    }
  });
  it("reads the model provider", () => {
    const result = loadConfig({
      ...base,
      OPENCLAW_MODEL_BASE_URL: "http://127.0.0.1:9/v1/",
      OPENCLAW_MODEL_ID: "m1",
      OPENCLAW_MODEL_API_KEY: "k",
      RUNTIME_MODEL_MAX_TOKENS: "4096",
    });
    expect(result.ok && result.value.model).toEqual({
      baseUrl: "http://127.0.0.1:9/v1",
      modelId: "m1",
      apiKey: "k",
      maxOutputTokens: 4096,
      offered: ["m1"],
    });
    expect(loadConfig({ ...base, RUNTIME_MODEL_MAX_TOKENS: "0" })).toMatchObject({
      ok: false,
      error: { code: "invalid_request" },
    });
  });
  it("generates a service token file (0600) when none is given, and reuses it", () => {
    const dataDir = join(tmp, "generated");
    const first = loadConfig({ RUNTIME_DATA_DIR: dataDir });
    expect(first.ok).toBe(true);
    if (!first.ok) return;
    expect(first.value.serviceTokenSource).toEqual({ file: join(dataDir, "service-token"), created: true });
    expect(first.value.serviceToken.length).toBeGreaterThanOrEqual(32);
    expect(statSync(join(dataDir, "service-token")).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(dataDir, "service-token"), "utf8").trim()).toBe(first.value.serviceToken);
    const second = loadConfig({ RUNTIME_DATA_DIR: dataDir });
    expect(second.ok && second.value.serviceToken).toBe(first.value.serviceToken);
  });
});

describe("gateway config writer", () => {
  const input = { port: 40123, token: TOKEN, workspaceDir: "/data/i/workspace", logFile: "/data/i/logs/gateway.log" };
  it("writes token auth, loopback bind, the port, no dashboard, no update check and exec approvals set to ask", () => {
    const config = buildGatewayConfig({ ...input, model: undefined }) as any;
    expect(config.gateway).toEqual(gatewayBlock(40123));
    expect(config.update).toEqual({ checkOnStart: false });
    expect(config.tools.exec.mode).toBe("ask");
    expect(config.logging.file).toBe("/data/i/logs/gateway.log");
    expect(config.agents.defaults.workspace).toBe("/data/i/workspace");
    // The room installs approved private skills through the gateway's upload.
    expect(config.skills).toEqual({ install: { allowUploadedArchives: true } });
    // No model configured: no provider block; the gateway still starts.
    expect(config.models).toBeUndefined();
    expect(config.agents.defaults.model).toBeUndefined();
  });
  it("registers the OpenAI-compatible provider and keeps its key out of the file", () => {
    const config = buildGatewayConfig({
      ...input,
      model: { baseUrl: "http://127.0.0.1:9/v1", modelId: "m1", apiKey: "secret-key" },
    }) as any;
    expect(config.agents.defaults.model).toEqual({ primary: "runtime/m1" });
    expect(config.models.mode).toBe("replace");
    const provider = config.models.providers.runtime;
    expect(provider).toMatchObject({
      baseUrl: "http://127.0.0.1:9/v1",
      api: "openai-completions",
      apiKey: `\${${MODEL_API_KEY_ENV}}`,
      // A billing refusal (402) must not put the key aside once the workspace is credited again.
      auth: "token",
    });
    expect(provider.models[0]).toMatchObject({ id: "m1", input: ["text"] });
    expect(JSON.stringify(config)).not.toContain("secret-key");
  });
  it("lists every model the operator offers (the default first, the primary) and a start keeps an instance's choice while it is offered", () => {
    const model = { baseUrl: "http://127.0.0.1:9/v1", modelId: "m1", apiKey: "k", offered: ["m1", "m2"] };
    const built = buildGatewayConfig({ ...input, model }) as any;
    expect(built.agents.defaults.model).toEqual({ primary: "runtime/m1" });
    expect(built.models.providers.runtime.models.map((m: { id: string }) => m.id)).toEqual(["m1", "m2"]);
    const chose = (primary: unknown) => JSON.stringify({ agents: { defaults: { model: { primary } } } });
    const carried = carryChannels(built, chose("runtime/m2")) as any;
    expect(carried.agents.defaults).toEqual({ workspace: "/data/i/workspace", model: { primary: "runtime/m2" } });
    // A model no longer offered, another provider's or not a name: the default stays.
    for (const primary of ["runtime/m3", "openai/gpt-5", 7, null])
      expect((carryChannels(built, chose(primary)) as any).agents.defaults.model, String(primary)).toEqual({
        primary: "runtime/m1",
      });
  });
  it("refuses short tokens and bad ports", () => {
    expect(() => buildGatewayConfig({ ...input, token: "short", model: undefined })).toThrow();
    expect(() => buildGatewayConfig({ ...input, port: 0, model: undefined })).toThrow();
  });
  it("keeps the channels, bindings, skill entries and meta the gateway wrote, and nothing else of the previous file", () => {
    const built = buildGatewayConfig({ ...input, model: undefined });
    const previous = {
      gateway: { port: 1, auth: { mode: "none" } },
      tools: { exec: { mode: "full" } },
      channels: { telegram: { botToken: "123:abc", dmPolicy: "allowlist", allowFrom: ["1"] } },
      bindings: [
        { agentId: "main", match: { channel: "telegram", accountId: "default" } },
        "junk",
        { agentId: 7, match: {} },
      ],
      meta: { lastTouchedVersion: "2026.9.6" },
      skills: { install: { allowUploadedArchives: false }, entries: { weather: { enabled: false, apiKey: "k" } } },
    };
    const carried = carryChannels(built, JSON.stringify(previous)) as any;
    expect(carried.gateway).toEqual((built as any).gateway);
    expect(carried.tools).toEqual((built as any).tools);
    expect(carried.channels).toEqual(previous.channels);
    expect(carried.bindings).toEqual([previous.bindings[0]]);
    expect(carried.meta).toEqual(previous.meta);
    // A skill's settings stay; whether uploads are taken is the runtime's.
    expect(carried.skills).toEqual({ install: { allowUploadedArchives: true }, entries: previous.skills.entries });
    // Unreadable, oversized or misshapen: the runtime's config as built.
    for (const text of [
      undefined,
      "{not json",
      "[1,2]",
      JSON.stringify({ channels: ["x"], bindings: {}, meta: "m", skills: { entries: [] } }),
      " ".repeat(MAX_CARRIED_CONFIG_BYTES + 1),
    ]) {
      expect(carryChannels(built, text)).toEqual(built);
    }
  });
});

describe("proxy frame rewriting", () => {
  const connectWith = (auth?: unknown) =>
    JSON.stringify({
      type: "req",
      id: "c1",
      method: "connect",
      params: { client: { id: "gateway-client" }, ...(auth === undefined ? {} : { auth }), device: { id: "d" } },
    });
  it("sets the gateway token on connect requests without a credential of their own", () => {
    for (const auth of [
      undefined,
      null,
      {},
      { token: "" },
      { deviceToken: "" },
      { token: "", deviceToken: "" },
      { token: 42 },
      { deviceToken: ["x"] },
      { password: "p" },
      "token",
    ]) {
      const out = injectGatewayToken(connectWith(auth), TOKEN);
      expect(out.connectId, JSON.stringify(auth)).toBe("c1");
      const params = JSON.parse(out.text).params;
      expect(params.auth, JSON.stringify(auth)).toEqual({ token: TOKEN });
      // Nothing else of the request changes.
      expect(params.device).toEqual({ id: "d" });
    }
  });
  it("passes a caller's own auth.token or auth.deviceToken through untouched (device identities sign over it)", () => {
    for (const auth of [
      { token: "gateway-token-from-credentials" },
      { deviceToken: "device-token-from-hello-ok" },
      { token: "", deviceToken: "dt" },
      { deviceToken: "dt", extra: 1 },
    ]) {
      const text = connectWith(auth);
      const out = injectGatewayToken(text, TOKEN);
      expect(out).toEqual({ text, connectId: "c1" });
    }
    // Without a string id there is no handshake to track, but auth still passes.
    const noId = JSON.stringify({ type: "req", method: "connect", params: { auth: { deviceToken: "dt" } } });
    expect(injectGatewayToken(noId, TOKEN)).toEqual({ text: noId, connectId: undefined });
  });
  it("leaves other frames alone", () => {
    const other = JSON.stringify({ type: "req", id: "r1", method: "health", params: {} });
    expect(injectGatewayToken(other, TOKEN)).toEqual({ text: other, connectId: undefined });
    expect(injectGatewayToken("not json", TOKEN)).toEqual({ text: "not json", connectId: undefined });
  });
  it("masks the gateway token in anything going back to the client, not device tokens", () => {
    expect(redactToken(`{"x":"${TOKEN}"}`, TOKEN)).toBe('{"x":"[redacted]"}');
    expect(redactToken('{"x":1}', TOKEN)).toBe('{"x":1}');
    const hello = JSON.stringify({
      type: "res",
      id: "c1",
      ok: true,
      payload: { type: "hello-ok", auth: { method: "token", deviceToken: "device-token-abc" } },
    });
    expect(redactToken(hello, TOKEN)).toBe(hello);
  });
  it("never forwards reserved close codes", () => {
    expect(forwardableCloseCode(1000)).toBe(1000);
    expect(forwardableCloseCode(1012)).toBe(1012);
    expect(forwardableCloseCode(4001)).toBe(4001);
    expect(forwardableCloseCode(1005)).toBe(1000);
    expect(forwardableCloseCode(1006)).toBe(1011);
  });
});
