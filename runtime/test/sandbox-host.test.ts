// The sandbox host (runtime/sandbox) with the @cloudflare/sandbox SDK and R2 faked at their
// boundary: a fake `getSandbox` whose sandboxes record every call and emulate just enough of
// a container (files, `test -d`, tar as JSON, a gateway that speaks the connect handshake),
// and an in-memory bucket. The instance records are the real registry logic over a Map in
// place of the Durable Object's KV storage. Everything else — the API handler, the start
// sequence, the gateway config writer, the handshake, the frame rewriting — is the real code.
import { describe, expect, it } from "vitest";
import type { z } from "zod";
import { envelopeSchema } from "../../shared/runtime/envelope";
import { backupListSchema, backupSchema, credentialsSchema, deleteOutcomeSchema, healthSchema, instanceListSchema } from "../../shared/runtime/responses";
import { instanceStatusSchema } from "../../shared/runtime/status";
import { handleApiRequest } from "../src/api";
import type { InstanceRef } from "../../shared/runtime/requests";
import { bridgeGatewaySockets, type SocketLike } from "../sandbox/gateway-socket";
import { loadSandboxConfig, type SandboxHostConfig } from "../sandbox/sandbox-config";
import { InstanceRecords, type InstanceRecord, type InstanceStoreLike, type SyncKvLike } from "../sandbox/instance-records";
import { CONTAINER_PATHS, GATEWAY_COMMAND, GATEWAY_PORT, GATEWAY_PROCESS_ID, sandboxId, type BucketLike, type BucketObjectLike, type SandboxLike, type SandboxOpenOptions, type SandboxProcessLike } from "../sandbox/sandbox-boundary";
import { mapSandboxError } from "../sandbox/sandbox-errors";
import { SandboxHost } from "../sandbox/sandbox-host";

const SERVICE_TOKEN = "svc-token-0123456789abcdef0123456789abcdef";
const REF: InstanceRef = { workspaceId: "WsAlpha_1", instanceId: "main" };
const CONTAINERS_DISABLED = "Containers have not been enabled for this Durable Object class. Have you correctly setup your Wrangler config? More info: https://developers.cloudflare.com/containers/get-started/#configuration";

// --- fake sockets --------------------------------------------------------------------------

class FakeSocket extends EventTarget implements SocketLike {
  readyState = 1;
  accepted = false;
  sent: (string | ArrayBuffer | ArrayBufferView)[] = [];
  closed: { code?: number; reason?: string } | undefined;
  peerSend?: (data: string | ArrayBuffer | ArrayBufferView) => void;
  onAccept?: () => void;
  accept(): void {
    this.accepted = true;
    this.onAccept?.();
  }
  send(data: string | ArrayBuffer | ArrayBufferView): void {
    this.sent.push(data);
    this.peerSend?.(data);
  }
  close(code?: number, reason?: string): void {
    if (this.readyState !== 1) return;
    this.readyState = 3;
    this.closed = { code, reason };
  }
  emit(type: "message" | "close", props: Record<string, unknown>): void {
    this.dispatchEvent(Object.assign(new Event(type), props));
  }
  override addEventListener(type: string, listener: (event: any) => void): void {
    super.addEventListener(type, listener as EventListener);
  }
}

/** The gateway end of `wsConnect`: challenge on accept, checks the token on connect. */
function gatewaySocket(expectedToken: () => string | undefined, frames: string[]): FakeSocket {
  const socket = new FakeSocket();
  const reply = (frame: unknown) => queueMicrotask(() => socket.emit("message", { data: JSON.stringify(frame) }));
  socket.onAccept = () => reply({ type: "event", event: "connect.challenge", payload: { nonce: "n" } });
  socket.peerSend = (data) => {
    if (typeof data !== "string") return;
    frames.push(data);
    const frame = JSON.parse(data) as { type: string; id: string; method: string; params?: { auth?: { token?: string } } };
    if (frame.type !== "req" || frame.method !== "connect") return;
    const token = expectedToken();
    if (frame.params?.auth?.token === token) {
      reply({ type: "res", id: frame.id, ok: true, payload: { type: "hello-ok", server: { version: "2026.9.6" } } });
      // A frame that (wrongly) carries the token: the proxy must mask it.
      reply({ type: "event", event: "debug", payload: { echo: `token=${token}` } });
    } else {
      reply({ type: "res", id: frame.id, ok: false, error: { code: "UNAUTHORIZED", message: "bad token", retryable: false } });
    }
  };
  return socket;
}

// --- fake SDK --------------------------------------------------------------------------------

interface Call {
  method: string;
  args: unknown[];
}

/** A fake archive is the JSON of the files under the instance dir, base64-encoded. */
const encodeArchive = (files: Record<string, string>): Uint8Array => new TextEncoder().encode(JSON.stringify(files));

class FakeSandbox implements SandboxLike {
  calls: Call[] = [];
  files = new Map<string, { content: string; encoding: string }>();
  dirs = new Set<string>();
  processes = new Map<string, { id: string; status: string; pid: number; exitCode?: number; waitForPort: SandboxProcessLike["waitForPort"] }>();
  gatewayFrames: string[] = [];
  gatewaySockets: FakeSocket[] = [];
  destroyed = false;
  failure: Error | undefined;
  private nextPid = 100;

  constructor(readonly id: string) {}

  private record(method: string, args: unknown[]): void {
    this.calls.push({ method, args });
    if (this.failure) throw this.failure;
  }

  count(method: string): number {
    return this.calls.filter((c) => c.method === method).length;
  }

  text(path: string): string | undefined {
    return this.files.get(path)?.content;
  }

  async exec(command: string) {
    this.record("exec", [command]);
    const ok = { success: true, exitCode: 0, stdout: "", stderr: "" };
    const test = /^test -d (\S+)$/.exec(command);
    if (test) return this.dirs.has(test[1]!) ? ok : { success: false, exitCode: 1, stdout: "", stderr: "" };
    if (command.startsWith("mkdir -p ")) {
      for (const part of command.split("&&")[0]!.trim().split(/\s+/).slice(2)) this.dirs.add(part);
      if (command.includes("tar -xzf")) {
        const archive = /tar -xzf (\S+)/.exec(command)![1]!;
        const files = JSON.parse(Buffer.from(this.text(archive)!, "base64").toString("utf8")) as Record<string, string>;
        for (const [rel, content] of Object.entries(files)) {
          this.files.set(`${CONTAINER_PATHS.dir}/${rel}`, { content, encoding: "utf-8" });
          this.dirs.add(`${CONTAINER_PATHS.dir}/${rel.split("/")[0]}`);
        }
        this.files.delete(archive);
      }
      return ok;
    }
    const snapshot = /^node \S+ '([^']+)' '([^']+)'$/.exec(command);
    if (snapshot) {
      const [, dir, archive] = snapshot;
      const files: Record<string, string> = {};
      for (const [path, file] of this.files) if (path.startsWith(`${dir}/`) && !path.startsWith(`${dir}/logs/`)) files[path.slice(dir!.length + 1)] = file.content;
      this.files.set(archive!, { content: Buffer.from(encodeArchive(files)).toString("base64"), encoding: "base64" });
      return ok;
    }
    return ok;
  }

  async writeFile(path: string, content: string, options?: { encoding?: string }) {
    this.record("writeFile", [path, content, options]);
    this.files.set(path, { content, encoding: options?.encoding ?? "utf-8" });
    return { success: true };
  }

  async readFile(path: string, options?: { encoding?: "utf-8" | "base64" }) {
    this.record("readFile", [path, options]);
    const file = this.files.get(path);
    if (!file) throw Object.assign(new Error(`File not found: ${path}`), { name: "FileNotFoundError" });
    return { content: file.content };
  }

  async startProcess(command: string, options?: { processId?: string; env?: Record<string, string | undefined>; cwd?: string }) {
    this.record("startProcess", [command, options]);
    const id = options?.processId ?? "p";
    if (this.processes.get(id)?.status === "running") throw new Error(`process ${id} already exists`);
    const proc = { id, status: "running", pid: this.nextPid++, waitForPort: async (port: number, opts?: unknown) => void this.calls.push({ method: "waitForPort", args: [port, opts] }) };
    this.processes.set(id, proc);
    return proc;
  }

  async getProcess(id: string) {
    this.record("getProcess", [id]);
    return this.processes.get(id) ?? null;
  }

  async listProcesses() {
    this.record("listProcesses", []);
    return [...this.processes.values()];
  }

  async killProcess(id: string, signal?: string) {
    this.record("killProcess", [id, signal]);
    const proc = this.processes.get(id);
    if (proc) proc.status = "killed";
    this.processes.delete(id);
  }

  async wsConnect(request: Request, port: number) {
    this.record("wsConnect", [request, port]);
    const socket = gatewaySocket(() => this.text(CONTAINER_PATHS.tokenFile)?.trim(), this.gatewayFrames);
    this.gatewaySockets.push(socket);
    // workerd answers 101 with the socket; undici's Response cannot represent that.
    return { status: 101, webSocket: socket } as unknown as Response;
  }

  async destroy() {
    this.record("destroy", []);
    this.destroyed = true;
    this.files.clear();
    this.dirs.clear();
    this.processes.clear();
  }
}

class FakeSdk {
  sandboxes = new Map<string, FakeSandbox>();
  opened: { id: string; options: SandboxOpenOptions }[] = [];
  failure: Error | undefined;
  readonly getSandbox = (id: string, options: SandboxOpenOptions): FakeSandbox => {
    this.opened.push({ id, options });
    let sandbox = this.sandboxes.get(id);
    if (!sandbox) {
      sandbox = new FakeSandbox(id);
      this.sandboxes.set(id, sandbox);
    }
    sandbox.failure = this.failure;
    return sandbox;
  };
  async sandboxFor(ref: InstanceRef): Promise<FakeSandbox> {
    return this.getSandbox(await sandboxId(ref), { normalizeId: true, keepAlive: true });
  }
}

class FakeBucket implements BucketLike {
  objects = new Map<string, { bytes: Uint8Array; uploaded: Date; customMetadata?: Record<string, string> }>();
  async put(key: string, value: string | ArrayBuffer | Uint8Array, options?: { customMetadata?: Record<string, string> }) {
    const bytes = typeof value === "string" ? new TextEncoder().encode(value) : value instanceof Uint8Array ? value : new Uint8Array(value);
    this.objects.set(key, { bytes: new Uint8Array(bytes), uploaded: new Date(), customMetadata: options?.customMetadata });
    return {};
  }
  async get(key: string) {
    const object = this.objects.get(key);
    if (!object) return null;
    return { arrayBuffer: async () => object.bytes.slice().buffer as ArrayBuffer, text: async () => new TextDecoder().decode(object.bytes) };
  }
  /** Pages of two, so the host's cursor loop is exercised. */
  async list(options?: { prefix?: string; cursor?: string; include?: ("httpMetadata" | "customMetadata")[] }) {
    const keys = [...this.objects.keys()].filter((k) => k.startsWith(options?.prefix ?? "")).sort();
    const start = Number(options?.cursor ?? 0);
    const page = keys.slice(start, start + 2);
    const objects: BucketObjectLike[] = page.map((key) => {
      const object = this.objects.get(key)!;
      return { key, size: object.bytes.byteLength, uploaded: object.uploaded, ...(options?.include?.includes("customMetadata") ? { customMetadata: object.customMetadata ?? {} } : {}) };
    });
    const truncated = start + 2 < keys.length;
    return truncated ? { objects, truncated, cursor: String(start + 2) } : { objects, truncated };
  }
  async delete(keys: string | string[]) {
    for (const key of Array.isArray(keys) ? keys : [keys]) this.objects.delete(key);
  }
  keys(prefix = ""): string[] {
    return [...this.objects.keys()].filter((k) => k.startsWith(prefix)).sort();
  }
}

/** The Durable Object's synchronous KV storage as a sorted Map; values are cloned like storage does. */
class MapKv implements SyncKvLike {
  readonly map = new Map<string, unknown>();
  get<T>(key: string): T | undefined {
    const value = this.map.get(key);
    return value === undefined ? undefined : (structuredClone(value) as T);
  }
  *list<T>(options?: { prefix?: string }): Iterable<[string, T]> {
    for (const key of [...this.map.keys()].sort()) if (key.startsWith(options?.prefix ?? "")) yield [key, structuredClone(this.map.get(key)) as T];
  }
  put<T>(key: string, value: T): void {
    this.map.set(key, structuredClone(value));
  }
  delete(key: string): boolean {
    return this.map.delete(key);
  }
}

/** The registry object's RPC surface over the real record logic (async, like a stub). */
function fakeRegistry(kv: MapKv): InstanceStoreLike {
  const records = new InstanceRecords(kv);
  return {
    get: async (ref) => records.get(ref),
    list: async (ws) => records.list(ws),
    activeCount: async () => records.activeCount(),
    put: async (record) => records.put(structuredClone(record)),
    claim: async (record, expected, max) => records.claim(structuredClone(record), expected, max),
    remove: async (ref) => records.remove(ref),
  };
}

// --- setup -----------------------------------------------------------------------------------

const MODEL = { baseUrl: "https://models.example/v1", modelId: "test-model", apiKey: "sk-model-key" };

function setup(overrides: Partial<Omit<SandboxHostConfig, "serviceToken">> = {}) {
  const sdk = new FakeSdk();
  const bucket = new FakeBucket();
  const kv = new MapKv();
  const logs: string[] = [];
  const host = new SandboxHost(
    { model: MODEL, deleteMode: "remove", maxGateways: 4, startTimeoutMs: 5_000, stopTimeoutMs: 1_000, ...overrides },
    sdk.getSandbox,
    bucket,
    fakeRegistry(kv),
    { pollMs: 5, log: (message, fields) => logs.push(JSON.stringify({ message, ...fields })) },
  );
  const api = (method: string, path: string, token: string | null = SERVICE_TOKEN) =>
    handleApiRequest(host, SERVICE_TOKEN, { host: "sandbox", model: { id: MODEL.modelId, baseUrl: MODEL.baseUrl } }, { method, url: path, authorization: token === null ? null : `Bearer ${token}` });
  const stored = (ref: InstanceRef) => kv.get<InstanceRecord>(`${ref.workspaceId}/${ref.instanceId}`);
  return { sdk, bucket, kv, stored, host, api, logs };
}

const path = (ref: InstanceRef, suffix = "") => `/v1/workspaces/${ref.workspaceId}/instances/${ref.instanceId}${suffix}`;
const body = (answer: { body: unknown }) => answer.body as { ok: boolean; data: any; error: any };

// --- tests -----------------------------------------------------------------------------------

describe("sandbox ids", () => {
  it("are lower-case, deterministic, DNS-safe and at most 63 characters", async () => {
    const id = await sandboxId(REF);
    expect(id).toBe(await sandboxId({ ...REF }));
    expect(id).toMatch(/^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/);
    expect(id.length).toBeLessThanOrEqual(63);
    const long = await sandboxId({ workspaceId: "W".repeat(64), instanceId: "x".repeat(48) });
    expect(long.length).toBeLessThanOrEqual(63);
    expect(long).toBe(long.toLowerCase());
  });
  it("never collide between workspaces, even ones that differ only in case", async () => {
    const ids = await Promise.all([
      sandboxId({ workspaceId: "Ab", instanceId: "main" }),
      sandboxId({ workspaceId: "ab", instanceId: "main" }),
      sandboxId({ workspaceId: "aB", instanceId: "main" }),
      sandboxId({ workspaceId: "ab", instanceId: "main2" }),
      // The separator cannot be forged: "a" + "b-main" vs "a-b" + "main".
      sandboxId({ workspaceId: "a", instanceId: "b-main" }),
      sandboxId({ workspaceId: "a-b", instanceId: "main" }),
    ]);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe("sandbox host: provision", () => {
  it("opens the instance's sandbox, writes the gateway config and starts the pinned gateway", async () => {
    const { sdk, api, bucket, stored } = setup();
    const answer = await api("PUT", path(REF));
    expect(answer.status).toBe(202);
    const status = body(answer).data;
    expect(status).toMatchObject({ workspaceId: REF.workspaceId, instanceId: REF.instanceId, state: "ready", phase: "ready", progress: 100, port: GATEWAY_PORT, gatewayVersion: "2026.9.6", error: null });
    expect(status.phases.map((p: { phase: string }) => p.phase)).toEqual(["queued", "writing config", "starting process", "waiting for port", "waiting for gateway handshake", "ready"]);

    const id = await sandboxId(REF);
    expect(sdk.opened.every((o) => o.id === id && o.options.normalizeId === true && o.options.keepAlive === true)).toBe(true);
    const sandbox = sdk.sandboxes.get(id)!;
    const token = sandbox.text(CONTAINER_PATHS.tokenFile)!.trim();
    expect(token.length).toBeGreaterThanOrEqual(32);

    const config = JSON.parse(sandbox.text(CONTAINER_PATHS.config)!);
    expect(config.gateway).toEqual({ mode: "local", port: GATEWAY_PORT, bind: "loopback", auth: { mode: "token", token } });
    expect(config.tools.exec.mode).toBe("ask");
    expect(config.agents.defaults.workspace).toBe(CONTAINER_PATHS.workspace);
    expect(config.agents.defaults.model.primary).toBe(`runtime/${MODEL.modelId}`);
    expect(config.models.providers.runtime.baseUrl).toBe(MODEL.baseUrl);
    // The key is referenced, never written.
    expect(config.models.providers.runtime.apiKey).toBe("${OPENCLAW_MODEL_API_KEY}");
    expect(JSON.stringify(config)).not.toContain(MODEL.apiKey);

    const start = sandbox.calls.filter((c) => c.method === "startProcess");
    expect(start).toHaveLength(1);
    const [command, options] = start[0]!.args as [string, { processId: string; env: Record<string, string>; cwd: string }];
    expect(command).toBe(GATEWAY_COMMAND);
    expect(command).toBe("openclaw gateway run --port 18789 --bind loopback");
    expect(options.processId).toBe(GATEWAY_PROCESS_ID);
    expect(options.env).toMatchObject({
      HOME: CONTAINER_PATHS.home,
      OPENCLAW_HOME: CONTAINER_PATHS.home,
      OPENCLAW_STATE_DIR: CONTAINER_PATHS.state,
      OPENCLAW_CONFIG_PATH: CONTAINER_PATHS.config,
      OPENCLAW_NO_AUTO_UPDATE: "1",
      OPENCLAW_OFFLINE: "1",
      OPENCLAW_SKIP_CHANNELS: "1",
      OPENCLAW_MODEL_API_KEY: MODEL.apiKey,
    });
    expect(JSON.stringify(options.env)).not.toContain(SERVICE_TOKEN);
    expect(sandbox.calls.find((c) => c.method === "waitForPort")?.args[0]).toBe(GATEWAY_PORT);
    // Readiness is a real connect handshake with the token.
    expect(sandbox.gatewayFrames.some((f) => JSON.parse(f).params?.auth?.token === token)).toBe(true);

    // Neither the status nor the stored record carries the token.
    expect(JSON.stringify(answer.body)).not.toContain(token);
    expect(JSON.stringify(stored(REF))).not.toContain(token);
    expect(bucket.keys()).toEqual([]);
  });

  it("writes no model provider when none is configured", async () => {
    const { sdk, host } = setup({ model: undefined });
    expect((await host.provision(REF)).ok).toBe(true);
    const sandbox = await sdk.sandboxFor(REF);
    const config = JSON.parse(sandbox.text(CONTAINER_PATHS.config)!);
    expect(config.models).toBeUndefined();
    const [, options] = sandbox.calls.find((c) => c.method === "startProcess")!.args as [string, { env: Record<string, string> }];
    expect(options.env.OPENCLAW_MODEL_API_KEY).toBeUndefined();
  });

  it("is idempotent: a second PUT returns the running gateway without a second start", async () => {
    const { sdk, api } = setup();
    const first = await api("PUT", path(REF));
    const second = await api("PUT", path(REF));
    expect(first.status).toBe(202);
    expect(second.status).toBe(200);
    expect(body(second).data.state).toBe("ready");
    const sandbox = await sdk.sandboxFor(REF);
    expect(sandbox.count("startProcess")).toBe(1);
    expect(sandbox.count("writeFile")).toBe(2); // token + config, once
  });

  it("keeps one gateway per instance: two workspaces get two sandboxes", async () => {
    const { sdk, host } = setup();
    await host.provision({ workspaceId: "Ab", instanceId: "main" });
    await host.provision({ workspaceId: "ab", instanceId: "main" });
    expect(sdk.sandboxes.size).toBe(2);
    const tokens = [...sdk.sandboxes.values()].map((s) => s.text(CONTAINER_PATHS.tokenFile));
    expect(tokens[0]).not.toBe(tokens[1]);
  });

  it("restores from the latest R2 backup when the state dir is missing", async () => {
    const { sdk, bucket, host } = setup();
    const restoredToken = "restored-token-0123456789abcdef0123456789";
    await bucket.put(`${REF.workspaceId}/${REF.instanceId}/2026-01-01T00-00-00-000Z.tar.gz`, encodeArchive({ "state/old.txt": "old", "gateway-token": "old-token-0123456789abcdef0123456789abcd\n" }));
    await bucket.put(`${REF.workspaceId}/${REF.instanceId}/2026-02-01T00-00-00-000Z.tar.gz`, encodeArchive({ "state/sessions.json": "{}", "gateway-token": `${restoredToken}\n` }));
    // Another instance's backup under a longer id must not be taken for this one's.
    await bucket.put(`${REF.workspaceId}/${REF.instanceId}-2/2026-03-01T00-00-00-000Z.tar.gz`, encodeArchive({ "state/x": "x" }));

    const provisioned = await host.provision(REF);
    expect(provisioned.ok).toBe(true);
    if (!provisioned.ok) return;
    expect(provisioned.value.status.restoredFrom).toBe("2026-02-01T00-00-00-000Z.tar.gz");
    expect(provisioned.value.status.phases.map((p) => p.phase)).toContain("restoring backup");
    const sandbox = await sdk.sandboxFor(REF);
    expect(sandbox.text(`${CONTAINER_PATHS.state}/sessions.json`)).toBe("{}");
    expect(sandbox.calls.some((c) => c.method === "exec" && String(c.args[0]).includes("tar -xzf"))).toBe(true);
    // The token comes back with the state: no new one is generated.
    expect(sandbox.text(CONTAINER_PATHS.tokenFile)!.trim()).toBe(restoredToken);
    expect(JSON.parse(sandbox.text(CONTAINER_PATHS.config)!).gateway.auth.token).toBe(restoredToken);
  });

  it("does not restore when the container still has its state", async () => {
    const { sdk, bucket, host } = setup();
    await bucket.put(`${REF.workspaceId}/${REF.instanceId}/2026-02-01T00-00-00-000Z.tar.gz`, encodeArchive({ "state/a": "a" }));
    const sandbox = await sdk.sandboxFor(REF);
    sandbox.dirs.add(CONTAINER_PATHS.state);
    const provisioned = await host.provision(REF);
    expect(provisioned.ok && provisioned.value.status.restoredFrom).toBe(null);
    expect(sandbox.calls.some((c) => String(c.args[0]).includes("tar -xzf"))).toBe(false);
  });

  it("starts again when a previous start was interrupted (its request is gone)", async () => {
    const { sdk, kv, stored, host } = setup();
    await host.provision(REF);
    kv.put(`${REF.workspaceId}/${REF.instanceId}`, { ...stored(REF)!, state: "starting", phase: "waiting for port", startedAtMs: Date.now() - 10 * 60_000 });
    const sandbox = await sdk.sandboxFor(REF);
    sandbox.processes.delete(GATEWAY_PROCESS_ID);
    const again = await host.provision(REF);
    expect(again.ok && again.value).toMatchObject({ started: true, status: { state: "ready" } });
    expect(sandbox.count("startProcess")).toBe(2);
  });

  it("refuses a new gateway beyond the cap", async () => {
    const { api } = setup({ maxGateways: 1 });
    expect((await api("PUT", path({ workspaceId: "w1", instanceId: "a" }))).status).toBe(202);
    const refused = await api("PUT", path({ workspaceId: "w1", instanceId: "b" }));
    expect(refused.status).toBe(503);
    expect(body(refused).error.code).toBe("capacity_exceeded");
    const health = await api("GET", "/v1/health");
    expect(body(health).data).toMatchObject({ status: "ok", host: "sandbox", gateways: { active: 1, max: 1 }, model: { id: MODEL.modelId } });
  });
});

describe("sandbox host: SDK failures", () => {
  it('maps "Containers have not been enabled" to gateway_unavailable (502) and records it', async () => {
    const { sdk, api } = setup();
    sdk.failure = new Error(CONTAINERS_DISABLED);
    const answer = await api("PUT", path(REF));
    expect(answer.status).toBe(502);
    expect(body(answer).error).toMatchObject({ code: "gateway_unavailable", retryable: false, details: { cause: "containers_not_enabled" } });
    const status = await api("GET", path(REF));
    expect(body(status).data).toMatchObject({ state: "error", phase: "failed", error: { code: "gateway_unavailable" } });
  });

  it("maps other SDK errors to the closed set", () => {
    expect(mapSandboxError(Object.assign(new Error("x"), { name: "ContainerUnavailableError", reason: "container_starting", retryAfterMs: 1000 }), "internal", "op")).toMatchObject({ code: "gateway_unavailable", retryable: true });
    expect(mapSandboxError(new Error("Maximum number of running container instances exceeded. Try again later"), "internal", "op").code).toBe("capacity_exceeded");
    expect(mapSandboxError(Object.assign(new Error("exited"), { name: "ProcessExitedBeforeReadyError", exitCode: 1 }), "internal", "op")).toMatchObject({ code: "gateway_failed", details: { exitCode: 1 } });
    expect(mapSandboxError(new Error("boom"), "backup_failed", "backup").code).toBe("backup_failed");
  });

  it("reports a gateway that died as gateway_failed, and restart brings it back with the same token", async () => {
    const { sdk, host, api } = setup();
    await host.provision(REF);
    const sandbox = await sdk.sandboxFor(REF);
    const token = sandbox.text(CONTAINER_PATHS.tokenFile);
    sandbox.processes.delete(GATEWAY_PROCESS_ID); // crashed
    const status = body(await api("GET", path(REF))).data;
    expect(status).toMatchObject({ state: "error", error: { code: "gateway_failed" } });
    expect((await api("GET", path(REF, "/gateway"))).status).toBe(400); // no Upgrade header
    const opened = await host.openGateway(REF);
    expect(!opened.ok && opened.error.code).toBe("not_ready");

    const restarted = await api("POST", path(REF, "/restart"));
    expect(restarted.status).toBe(202);
    expect(body(restarted).data).toMatchObject({ state: "ready", restarts: 1 });
    expect(sandbox.count("startProcess")).toBe(2);
    expect(sandbox.text(CONTAINER_PATHS.tokenFile)).toBe(token);
  });
});

describe("sandbox host: backups and delete", () => {
  it("backs up into R2 under <workspace>/<instance>/<timestamp>.tar.gz and lists it", async () => {
    const { bucket, api } = setup();
    await api("PUT", path(REF));
    const created = await api("POST", path(REF, "/backups"));
    expect(created.status).toBe(201);
    const info = body(created).data;
    expect(info.name).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}-\d{3}Z\.tar\.gz$/);
    expect(info.path).toBeUndefined();
    expect(bucket.keys(`${REF.workspaceId}/`)).toEqual([`${REF.workspaceId}/${REF.instanceId}/${info.name}`]);
    const listed = body(await api("GET", path(REF, "/backups"))).data.backups;
    expect(listed).toEqual([{ name: info.name, sizeBytes: info.sizeBytes, createdAt: expect.any(String) }]);
  });

  it("delete stops the gateway, destroys the sandbox and removes records and backups", async () => {
    const { sdk, bucket, api } = setup();
    await api("PUT", path(REF));
    await api("POST", path(REF, "/backups"));
    const sandbox = await sdk.sandboxFor(REF);
    const deleted = await api("DELETE", path(REF));
    expect(deleted.status).toBe(200);
    expect(body(deleted).data).toEqual({ deleted: true, mode: "remove", archive: null });
    expect(sandbox.count("killProcess")).toBe(1);
    expect(sandbox.destroyed).toBe(true);
    expect(bucket.keys()).toEqual([]);
    expect((await api("GET", path(REF))).status).toBe(404);
    expect((await api("DELETE", path(REF))).status).toBe(404);
  });

  it('delete in "archive" mode keeps a final backup and the earlier ones under _archive/', async () => {
    const { sdk, bucket, api } = setup({ deleteMode: "archive" });
    await api("PUT", path(REF));
    await api("POST", path(REF, "/backups"));
    const deleted = body(await api("DELETE", path(REF))).data;
    expect(deleted.mode).toBe("archive");
    expect(deleted.archive.name).toMatch(/\.tar\.gz$/);
    expect((await sdk.sandboxFor(REF)).destroyed).toBe(true);
    const keys = bucket.keys();
    expect(keys.every((k) => k.startsWith(`_archive/${REF.workspaceId}/${REF.instanceId}/`))).toBe(true);
    expect(keys).toHaveLength(2);
  });

  it("lists a workspace's instances only", async () => {
    const { api } = setup();
    await api("PUT", path({ workspaceId: "w1", instanceId: "a" }));
    await api("PUT", path({ workspaceId: "w1", instanceId: "b" }));
    await api("PUT", path({ workspaceId: "w2", instanceId: "a" }));
    const listed = body(await api("GET", "/v1/workspaces/w1/instances")).data.instances;
    expect(listed.map((s: { instanceId: string }) => s.instanceId).sort()).toEqual(["a", "b"]);
  });
});

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

    await new Promise((r) => setTimeout(r, 0));
    expect(JSON.parse(String(client.sent[0])).event).toBe("connect.challenge");
    client.emit("message", { data: JSON.stringify({ type: "req", id: "c1", method: "connect", params: { client: { id: "gateway-client", mode: "backend" } } }) });
    await new Promise((r) => setTimeout(r, 0));
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
    await new Promise((r) => setTimeout(r, 0));
    const connect = JSON.stringify({ type: "req", id: "c1", method: "connect", params: { auth: { deviceToken: "device-token-1" }, device: { id: "d1", signature: "s" } } });
    client.emit("message", { data: connect });
    await new Promise((r) => setTimeout(r, 0));
    expect(sandbox.gatewayFrames.at(-1)).toBe(connect);
    // The fake gateway knows only the gateway token, so it refuses: the caller sees that answer.
    expect(JSON.parse(String(client.sent.at(-1)))).toMatchObject({ type: "res", id: "c1", ok: false });
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

    sdk.failure = Object.assign(new Error("no container"), { name: "ContainerUnavailableError", reason: "container_starting" });
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
    const started = Date.now();
    const answer = await api("GET", path(REF, `?sinceVersion=${ready.version}&waitMs=50`));
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
    expect(body(answer).data.version).toBe(ready.version);
    expect(body(await api("GET", path(REF, "?sinceVersion=0&waitMs=5000"))).data.state).toBe("ready");
  });
});

describe("sandbox config", () => {
  it("needs the service token secret and reads the model like the process host", () => {
    expect(loadSandboxConfig({}).ok).toBe(false);
    const loaded = loadSandboxConfig({ RUNTIME_SERVICE_TOKEN: SERVICE_TOKEN, OPENCLAW_MODEL_BASE_URL: "http://m/v1/", OPENCLAW_MODEL_ID: "m1" });
    expect(loaded.ok && loaded.value).toMatchObject({ deleteMode: "remove", model: { baseUrl: "http://m/v1", modelId: "m1", apiKey: undefined }, maxGateways: 20 });
    expect(loadSandboxConfig({ RUNTIME_SERVICE_TOKEN: SERVICE_TOKEN, OPENCLAW_MODEL_ID: "m1" }).ok).toBe(false);
    expect(loadSandboxConfig({ RUNTIME_SERVICE_TOKEN: SERVICE_TOKEN, RUNTIME_DELETE_MODE: "shred" }).ok).toBe(false);
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
