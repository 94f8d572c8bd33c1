// Shared helpers for the runtime tests: HTTP calls with the envelope, a gateway client that
// speaks through the runtime's proxy, and process checks via /proc.
import { createHash, generateKeyPairSync, sign, type KeyObject } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import WebSocket from "ws";

export const SERVICE_TOKEN = "test-service-token-0123456789abcdef0123456789";

export interface ApiResponse<T = any> {
  status: number;
  body:
    | { ok: true; data: T }
    | { ok: false; error: { code: string; message: string; retryable?: boolean; details?: any } };
  text: string;
}

export async function api<T = any>(
  baseUrl: string,
  method: string,
  path: string,
  token: string | null = SERVICE_TOKEN,
): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = {};
  if (token !== null) headers.authorization = `Bearer ${token}`;
  const res = await fetch(`${baseUrl}${path}`, { method, headers });
  const text = await res.text();
  return { status: res.status, body: JSON.parse(text), text };
}

/** Long-polls the status route until `done(status)` holds; returns every status seen. */
export async function waitForStatus(
  baseUrl: string,
  path: string,
  done: (status: any) => boolean,
  timeoutMs = 90_000,
): Promise<{ final: any; seen: any[] }> {
  const deadline = Date.now() + timeoutMs;
  const seen: any[] = [];
  let version = 0;
  while (Date.now() < deadline) {
    const res = await api(baseUrl, "GET", `${path}?sinceVersion=${version}&waitMs=5000`);
    if (!res.body.ok) throw new Error(`status failed: ${res.text}`);
    const status = res.body.data;
    seen.push(status);
    version = status.version;
    if (done(status)) return { final: status, seen };
  }
  throw new Error(`timed out waiting for status at ${path}; last: ${JSON.stringify(seen.at(-1))}`);
}

/** A minimal gateway-protocol client over the runtime's WebSocket proxy. */
export class ProxiedGatewayClient {
  readonly frames: any[] = [];
  readonly rawFrames: string[] = [];
  private waiters: { match: (frame: any) => boolean; resolve: (frame: any) => void }[] = [];
  private nextId = 0;

  private constructor(readonly ws: WebSocket) {
    ws.on("message", (data) => {
      const text = data.toString();
      this.rawFrames.push(text);
      const frame = JSON.parse(text);
      this.frames.push(frame);
      this.waiters = this.waiters.filter((w) => {
        if (!w.match(frame)) return true;
        w.resolve(frame);
        return false;
      });
    });
  }

  static open(
    url: string,
    extraHeaders: Record<string, string> = {},
    serviceToken = SERVICE_TOKEN,
  ): Promise<ProxiedGatewayClient> {
    return new Promise((resolveOpen, reject) => {
      const ws = new WebSocket(url, { headers: { ...extraHeaders, authorization: `Bearer ${serviceToken}` } });
      const client = new ProxiedGatewayClient(ws);
      ws.once("open", () => resolveOpen(client));
      ws.once("error", reject);
    });
  }

  waitFor(match: (frame: any) => boolean, timeoutMs = 60_000): Promise<any> {
    const existing = this.frames.find(match);
    if (existing) return Promise.resolve(existing);
    return new Promise((resolveFrame, reject) => {
      const timer = setTimeout(() => reject(new Error("timed out waiting for a gateway frame")), timeoutMs);
      this.waiters.push({
        match,
        resolve: (frame) => {
          clearTimeout(timer);
          resolveFrame(frame);
        },
      });
    });
  }

  /** `extra`: further fields of the request frame (a W3C `traceparent`). */
  request(method: string, params: Record<string, unknown>, extra: Record<string, unknown> = {}): Promise<any> {
    const id = `t${++this.nextId}`;
    this.ws.send(JSON.stringify({ type: "req", id, method, params, ...extra }));
    return this.waitFor((f) => f.type === "res" && f.id === id && f.payload?.status !== "accepted");
  }

  /** The gateway `connect`, as the Autopilot makes it: gateway-client/backend, no credentials (the proxy adds them). */
  async connect(
    auth?: Record<string, unknown>,
    scopes: string[] = ["operator.read", "operator.write", "operator.approvals"],
  ): Promise<any> {
    await this.waitFor((f) => f.type === "event" && f.event === "connect.challenge");
    return this.request("connect", {
      minProtocol: 4,
      maxProtocol: 4,
      client: { id: "gateway-client", version: "0.1.0", platform: "linux", mode: "backend" },
      role: "operator",
      scopes,
      caps: ["tool-events", "approvals"],
      ...(auth ? { auth } : {}),
    });
  }

  /**
   * The gateway `connect` with a device identity (BRIDGE.md, "Device auth through the
   * proxy"): `auth` carries the credential the signature covers, so the proxy passes it
   * through untouched. `mode` "ui" is for the pairing connect only (a `backend` device is
   * never paired on loopback, so it gets no device token).
   */
  async connectWithDevice(
    device: DeviceIdentity,
    auth: { token: string } | { deviceToken: string },
    mode: "backend" | "ui" = "backend",
  ): Promise<any> {
    const challenge = await this.waitFor((f) => f.type === "event" && f.event === "connect.challenge");
    const client = { id: "gateway-client", version: "0.1.0", platform: "linux", mode };
    const role = "operator";
    const scopes = DEVICE_SCOPES;
    const signedAt: number = challenge.payload.ts;
    const nonce: string = challenge.payload.nonce;
    const credential = "token" in auth ? auth.token : auth.deviceToken;
    return this.request("connect", {
      minProtocol: 4,
      maxProtocol: 4,
      client,
      role,
      scopes,
      caps: ["tool-events", "approvals"],
      auth,
      device: {
        id: device.id,
        publicKey: device.publicKey,
        signature: signDevicePayload(
          device,
          deviceAuthPayload({
            deviceId: device.id,
            clientId: client.id,
            clientMode: client.mode,
            role,
            scopes,
            signedAtMs: signedAt,
            token: credential,
            nonce,
            platform: client.platform,
          }),
        ),
        signedAt,
        nonce,
      },
    });
  }

  /** The `connect` of `openclaw node run --pair <code>`: role node, the code's bootstrap token, signed over it. */
  async connectAsNode(
    device: DeviceIdentity,
    auth: { bootstrapToken: string } | { deviceToken: string },
  ): Promise<any> {
    const challenge = await this.waitFor((f) => f.type === "event" && f.event === "connect.challenge");
    const client = {
      id: "node-host",
      displayName: "test-node",
      version: "2026.9.6",
      platform: "linux",
      deviceFamily: "Linux",
      mode: "node",
    };
    const signedAt: number = challenge.payload.ts;
    const nonce: string = challenge.payload.nonce;
    const credential = "bootstrapToken" in auth ? auth.bootstrapToken : auth.deviceToken;
    const payload = deviceAuthPayload({
      deviceId: device.id,
      clientId: client.id,
      clientMode: client.mode,
      role: "node",
      scopes: [],
      signedAtMs: signedAt,
      token: credential,
      nonce,
      platform: client.platform,
      deviceFamily: client.deviceFamily,
    });
    return this.request("connect", {
      minProtocol: 4,
      maxProtocol: 4,
      client,
      role: "node",
      scopes: [],
      caps: ["system"],
      commands: ["system.which"],
      auth,
      device: {
        id: device.id,
        publicKey: device.publicKey,
        signature: signDevicePayload(device, payload),
        signedAt,
        nonce,
      },
    });
  }

  close(): void {
    this.ws.close();
  }
}

/** What the Autopilot asks for: the scopes it wants for good (a later upgrade is a repair request). */
export const DEVICE_SCOPES = [
  "operator.read",
  "operator.write",
  "operator.approvals",
  "operator.pairing",
  "operator.admin",
];

export interface DeviceIdentity {
  /** sha256 hex of the raw 32-byte public key. */
  id: string;
  /** The raw 32-byte Ed25519 public key, base64url. */
  publicKey: string;
  privateKey: KeyObject;
}

export function createDeviceIdentity(): DeviceIdentity {
  const { publicKey, privateKey } = generateKeyPairSync("ed25519");
  // The SPKI DER of an Ed25519 key ends with the raw 32 bytes.
  const raw = publicKey.export({ format: "der", type: "spki" }).subarray(-32);
  return { id: createHash("sha256").update(raw).digest("hex"), publicKey: raw.toString("base64url"), privateKey };
}

/**
 * The v3 device-auth payload the gateway verifies:
 * `v3|deviceId|clientId|clientMode|role|scopes,comma,joined|signedAtMs|token|nonce|platform|deviceFamily`
 * (platform and deviceFamily trimmed and lower-cased; empty when absent).
 */
export function deviceAuthPayload(p: {
  deviceId: string;
  clientId: string;
  clientMode: string;
  role: string;
  scopes: string[];
  signedAtMs: number;
  token: string;
  nonce: string;
  platform: string;
  deviceFamily?: string;
}): string {
  const meta = (value: string | undefined) => (value ?? "").trim().toLowerCase();
  return [
    "v3",
    p.deviceId,
    p.clientId,
    p.clientMode,
    p.role,
    p.scopes.join(","),
    String(p.signedAtMs),
    p.token,
    p.nonce,
    meta(p.platform),
    meta(p.deviceFamily),
  ].join("|");
}

/** Ed25519 signature, base64url. */
export function signDevicePayload(device: DeviceIdentity, payload: string): string {
  return sign(null, Buffer.from(payload, "utf8"), device.privateKey).toString("base64url");
}

function procStat(pid: number): { state: string; ppid: number; pgid: number } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    // pid (comm) state ppid pgrp ... — comm may contain spaces, so split after the last ')'.
    const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
    return { state: fields[0] ?? "", ppid: Number(fields[1]), pgid: Number(fields[2]) };
  } catch {
    return undefined;
  }
}

/** Running (a zombie counts as gone: it has exited and only waits to be reaped). */
export function isProcessRunning(pid: number): boolean {
  const stat = procStat(pid);
  return stat !== undefined && stat.state !== "Z";
}

/** The process and all its descendants (helpers may sit in process groups of their own). */
export function processTree(pid: number): number[] {
  const all = readdirSync("/proc")
    .filter((name) => /^\d+$/.test(name))
    .map(Number);
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) {
    for (const candidate of all)
      if (procStat(candidate)?.ppid === tree[i] && !tree.includes(candidate)) tree.push(candidate);
  }
  return tree.filter((p) => existsSync(`/proc/${p}`));
}
