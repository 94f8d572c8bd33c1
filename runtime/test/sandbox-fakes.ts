import { handleApiRequest } from "../src/api";
import { DEFAULT_MAX_GATEWAYS_PER_WORKSPACE } from "../src/gateway-caps";
import type { InstanceRef } from "../../shared/runtime/requests";
import type { SocketLike } from "../sandbox/gateway-socket";
import type { SandboxHostConfig } from "../sandbox/sandbox-config";
import {
  InstanceRecords,
  type InstanceRecord,
  type InstanceStoreLike,
  type SyncKvLike,
} from "../sandbox/instance-records";
import { ModelRecords, type ModelStoreLike } from "../sandbox/model-records";
import {
  CONTAINER_PATHS,
  sandboxId,
  type BucketLike,
  type BucketObjectLike,
  type SandboxLike,
  type SandboxOpenOptions,
  type SandboxProcessLike,
} from "../sandbox/sandbox-boundary";
import { SandboxHost } from "../sandbox/sandbox-host";

export const SERVICE_TOKEN = "svc-token-0123456789abcdef0123456789abcdef";
/** The key the rooms' per-workspace credentials are derived from (the sandbox Worker's RUNTIME_TENANT_KEY). */
export const TENANT_KEY = "tenant-key-0123456789abcdef0123456789abcdef";
export const REF: InstanceRef = { workspaceId: "WsAlpha_1", instanceId: "main" };
export const CONTAINERS_DISABLED =
  "Containers have not been enabled for this Durable Object class. Have you correctly setup your Wrangler config? More info: https://developers.cloudflare.com/containers/get-started/#configuration";

// --- fake sockets --------------------------------------------------------------------------

export class FakeSocket extends EventTarget implements SocketLike {
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
export function gatewaySocket(expectedToken: () => string | undefined, frames: string[]): FakeSocket {
  const socket = new FakeSocket();
  const reply = (frame: unknown) => queueMicrotask(() => socket.emit("message", { data: JSON.stringify(frame) }));
  socket.onAccept = () => reply({ type: "event", event: "connect.challenge", payload: { nonce: "n" } });
  socket.peerSend = (data) => {
    if (typeof data !== "string") return;
    frames.push(data);
    const frame = JSON.parse(data) as {
      type: string;
      id: string;
      method: string;
      params?: { auth?: { token?: string } };
    };
    if (frame.type !== "req" || frame.method !== "connect") return;
    const token = expectedToken();
    if (frame.params?.auth?.token === token) {
      reply({ type: "res", id: frame.id, ok: true, payload: { type: "hello-ok", server: { version: "2026.9.6" } } });
      // A frame that (wrongly) carries the token: the proxy must mask it.
      reply({ type: "event", event: "debug", payload: { echo: `token=${token}` } });
    } else {
      reply({
        type: "res",
        id: frame.id,
        ok: false,
        error: { code: "UNAUTHORIZED", message: "bad token", retryable: false },
      });
    }
  };
  return socket;
}

// --- fake SDK --------------------------------------------------------------------------------

export interface Call {
  method: string;
  args: unknown[];
}

/** A fake archive is the JSON of the files under the instance dir, base64-encoded. */
export const encodeArchive = (files: Record<string, string>): Uint8Array =>
  new TextEncoder().encode(JSON.stringify(files));

export class FakeSandbox implements SandboxLike {
  calls: Call[] = [];
  files = new Map<string, { content: string; encoding: string }>();
  dirs = new Set<string>();
  processes = new Map<
    string,
    { id: string; status: string; pid: number; exitCode?: number; waitForPort: SandboxProcessLike["waitForPort"] }
  >();
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
    const stat = /^stat -c %s (\S+)$/.exec(command);
    if (stat) {
      const file = this.files.get(stat[1]!);
      return file
        ? { ...ok, stdout: `${Buffer.byteLength(file.content)}\n` }
        : { success: false, exitCode: 1, stdout: "", stderr: "no such file" };
    }
    const test = /^test -d (\S+)$/.exec(command);
    if (test) return this.dirs.has(test[1]!) ? ok : { success: false, exitCode: 1, stdout: "", stderr: "" };
    if (command.includes("tar -xzf")) {
      // The restore: unpacked beside the state, then swapped in (the old state is gone).
      const archive = /tar -xzf (\S+)/.exec(command)![1]!;
      const files = JSON.parse(Buffer.from(this.text(archive)!, "base64").toString("utf8")) as Record<string, string>;
      for (const path of [...this.files.keys()])
        if (path.startsWith(`${CONTAINER_PATHS.dir}/`)) this.files.delete(path);
      this.dirs.add(CONTAINER_PATHS.dir);
      for (const [rel, content] of Object.entries(files)) {
        this.files.set(`${CONTAINER_PATHS.dir}/${rel}`, { content, encoding: "utf-8" });
        this.dirs.add(`${CONTAINER_PATHS.dir}/${rel.split("/")[0]}`);
      }
      this.files.delete(archive);
      return ok;
    }
    if (command.startsWith("mkdir -p ")) {
      for (const part of command.split("&&")[0]!.trim().split(/\s+/).slice(2)) this.dirs.add(part);
      return ok;
    }
    const snapshot = /^node \S+ '([^']+)' '([^']+)'$/.exec(command);
    if (snapshot) {
      const [, dir, archive] = snapshot;
      const files: Record<string, string> = {};
      for (const [path, file] of this.files)
        if (path.startsWith(`${dir}/`) && !path.startsWith(`${dir}/logs/`))
          files[path.slice(dir!.length + 1)] = file.content;
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

  async startProcess(
    command: string,
    options?: { processId?: string; env?: Record<string, string | undefined>; cwd?: string },
  ) {
    this.record("startProcess", [command, options]);
    const id = options?.processId ?? "p";
    if (this.processes.get(id)?.status === "running") throw new Error(`process ${id} already exists`);
    const proc = {
      id,
      status: "running",
      pid: this.nextPid++,
      waitForPort: async (port: number, opts?: unknown) =>
        void this.calls.push({ method: "waitForPort", args: [port, opts] }),
    };
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

export class FakeSdk {
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

export class FakeBucket implements BucketLike {
  objects = new Map<string, { bytes: Uint8Array; uploaded: Date; customMetadata?: Record<string, string> }>();
  async put(
    key: string,
    value: string | ArrayBuffer | Uint8Array,
    options?: { customMetadata?: Record<string, string> },
  ) {
    const bytes =
      typeof value === "string"
        ? new TextEncoder().encode(value)
        : value instanceof Uint8Array
          ? value
          : new Uint8Array(value);
    this.objects.set(key, {
      bytes: new Uint8Array(bytes),
      uploaded: new Date(),
      customMetadata: options?.customMetadata,
    });
    return {};
  }
  async get(key: string) {
    const object = this.objects.get(key);
    if (!object) return null;
    return {
      arrayBuffer: async () => object.bytes.slice().buffer as ArrayBuffer,
      text: async () => new TextDecoder().decode(object.bytes),
    };
  }
  /** Pages of two, so the host's cursor loop is exercised. */
  async list(options?: { prefix?: string; cursor?: string; include?: ("httpMetadata" | "customMetadata")[] }) {
    const keys = [...this.objects.keys()].filter((k) => k.startsWith(options?.prefix ?? "")).sort();
    const start = Number(options?.cursor ?? 0);
    const page = keys.slice(start, start + 2);
    const objects: BucketObjectLike[] = page.map((key) => {
      const object = this.objects.get(key)!;
      return {
        key,
        size: object.bytes.byteLength,
        uploaded: object.uploaded,
        ...(options?.include?.includes("customMetadata") ? { customMetadata: object.customMetadata ?? {} } : {}),
      };
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
export class MapKv implements SyncKvLike {
  readonly map = new Map<string, unknown>();
  get<T>(key: string): T | undefined {
    const value = this.map.get(key);
    return value === undefined ? undefined : (structuredClone(value) as T);
  }
  *list<T>(options?: { prefix?: string }): Iterable<[string, T]> {
    for (const key of [...this.map.keys()].sort())
      if (key.startsWith(options?.prefix ?? "")) yield [key, structuredClone(this.map.get(key)) as T];
  }
  put<T>(key: string, value: T): void {
    this.map.set(key, structuredClone(value));
  }
  delete(key: string): boolean {
    return this.map.delete(key);
  }
}

/** The registry object's RPC surface over the real record logic (async, like a stub). */
export function fakeRegistry(kv: MapKv, now: () => number = Date.now): InstanceStoreLike & ModelStoreLike {
  const records = new InstanceRecords(kv);
  const models = new ModelRecords(kv, now);
  return {
    get: async (ref) => records.get(ref),
    list: async (ws) => records.list(ws),
    activeCount: async () => records.activeCount(),
    put: async (record) => records.put(structuredClone(record)),
    claim: async (record, expected, caps) => records.claim(structuredClone(record), expected, caps),
    remove: async (ref) => records.remove(ref),
    issueModelCredential: async (owner, hash) => models.issueCredential(structuredClone(owner), hash),
    revokeModelCredential: async (ref) => models.revokeCredential(ref),
    modelCredentialOwner: async (hash) => models.credentialOwner(hash),
    acquireModelCall: async (ref, limit, leaseMs) => models.acquireCall(ref, limit, leaseMs),
    releaseModelCall: async (ref, slot) => models.releaseCall(ref, slot),
    recordModelUsage: async (ref, usage) => models.recordUsage(ref, usage),
    modelUsage: async (ref) => models.usage(ref),
    modelUsageList: async (ws) => models.usageList(ws),
    workspaceSpend: async (ws) => models.spend(ws),
    setWorkspaceSpend: async (ws, request) => models.setSpend(ws, request),
  };
}

/** What the platform reports as a container's id, in tests: any function of the sandbox id will do. */
export const containerIdOf = (sandboxId: string) => `container:${sandboxId}`;

// --- setup -----------------------------------------------------------------------------------

/** The operator's model as the Worker's env gives it (the key must never reach a container). */
export const MODEL = {
  baseUrl: "https://models.example/v1",
  modelId: "test-model",
  apiKey: "sk-operator-model-key-5d1e9a",
};

/** The environment a sandbox's latest gateway start was given. */
export function gatewayEnv(sandbox: FakeSandbox): Record<string, string> {
  const start = sandbox.calls.filter((c) => c.method === "startProcess").at(-1);
  if (!start) throw new Error(`sandbox ${sandbox.id} never started a gateway`);
  return (start.args[1] as { env: Record<string, string> }).env;
}

/** Everything a container was given or holds: every SDK call's arguments (env, commands, written files) and its files. */
export const containerContents = (sandbox: FakeSandbox): string =>
  JSON.stringify([sandbox.calls.map((c) => c.args), [...sandbox.files.entries()]]);

export function setup(overrides: Partial<Omit<SandboxHostConfig, "serviceToken">> = {}) {
  const sdk = new FakeSdk();
  const bucket = new FakeBucket();
  const kv = new MapKv();
  const logs: string[] = [];
  const registry = fakeRegistry(kv);
  const host = new SandboxHost(
    {
      model: MODEL,
      deleteMode: "remove",
      maxGateways: 4,
      maxGatewaysPerWorkspace: DEFAULT_MAX_GATEWAYS_PER_WORKSPACE,
      startTimeoutMs: 5_000,
      stopTimeoutMs: 1_000,
      ...overrides,
    },
    sdk.getSandbox,
    bucket,
    registry,
    {
      pollMs: 5,
      log: (message, fields) => logs.push(JSON.stringify({ message, ...fields })),
    },
  );
  const api = (method: string, path: string, token: string | null = SERVICE_TOKEN) =>
    handleApiRequest(
      host,
      { serviceToken: SERVICE_TOKEN, tenantKeys: [TENANT_KEY] },
      { host: "sandbox", model: { id: MODEL.modelId, baseUrl: MODEL.baseUrl } },
      { method, url: path, authorization: token === null ? null : `Bearer ${token}` },
    );
  const stored = (ref: InstanceRef) => kv.get<InstanceRecord>(`${ref.workspaceId}/${ref.instanceId}`);
  return { sdk, bucket, kv, registry, stored, host, api, logs };
}

export const path = (ref: InstanceRef, suffix = "") =>
  `/v1/workspaces/${ref.workspaceId}/instances/${ref.instanceId}${suffix}`;
export const body = (answer: { body: unknown }) => answer.body as { ok: boolean; data: any; error: any };

// --- tests -----------------------------------------------------------------------------------
