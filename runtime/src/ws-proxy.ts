// WebSocket proxy: `GET /v1/workspaces/:ws/instances/:id/gateway` (Upgrade) → that
// instance's gateway on loopback.
//
// The caller is trusted: it holds the service token or the workspace's tenant credential
// (auth.ts). Two ways to connect:
//   - Without credentials: the caller sends the gateway `connect` request without `auth`;
//     the proxy sets `params.auth = {token}` on its way through. `gateway-client` in
//     `backend` mode needs no device identity: the gateway sees a loopback client with the
//     right token and grants the requested scopes.
//   - With a device identity: its signature covers the credential in `auth`, so the caller
//     sends `auth:{token}` (the gateway token from `GET …/:id/credentials`, on the pairing
//     connect, which must not be in `backend` mode: a local backend device is never paired)
//     or `auth:{deviceToken}` (from that connect's `hello-ok`, later connects), and the proxy
//     passes `auth` through untouched (see injectGatewayToken and BRIDGE.md, "Device auth
//     through the proxy (verified)").
// On the way back every text frame is checked for the gateway token and any occurrence is
// masked. Device tokens are not masked: the caller needs the one in `hello-ok`.
//
// `GET …/:id/device` (Upgrade) is the device entry: devices and nodes reached through the
// party Worker, which holds the workspace's credential; the device itself holds none. Nothing is added
// or parsed there: the device authenticates to the gateway with its own pairing (a setup
// code's bootstrap token, then its device token). The gateway trusts the runtime as a proxy
// on loopback (gateway-config.ts), and the upstream request says the device is remote
// (X-Forwarded-For): without it every device would be a loopback peer, which the gateway
// pairs silently (docs/decisions/035-devices-as-remote-peers.md).
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import WebSocket, { WebSocketServer, type RawData } from "ws";
import { authorize, type RuntimeAuth, runtimeAuthOf } from "./auth";
import { errorEnvelope, statusFor } from "../../shared/runtime/envelope";
import type { RuntimeError } from "../../shared/runtime/errors";
import { OTHER_WORKSPACE, UNAUTHENTICATED } from "./api";
import { runtimeError } from "./errors";
import { validateRef } from "./ids";
import type { ProcessHost } from "./process-host";
import type { GatewayTarget } from "./host";
import { DEVICE_ADDRESS_HEADER, deviceForwardedFor, type InstanceRef } from "../../shared/runtime/requests";

const headerValue = (value: string | string[] | undefined): string | undefined =>
  Array.isArray(value) ? value[0] : value;
import { forwardableCloseCode, injectGatewayToken, redactToken } from "./gateway-frames";
import { matchGatewayPath } from "./gateway-path";

// The frame rewriting is pure and shared with the sandbox host (runtime/sandbox).
export { forwardableCloseCode, injectGatewayToken, redactToken };

type Logger = (message: string, fields?: Record<string, unknown>) => void;

/** Answers an upgrade request with a plain HTTP error in the runtime's envelope. */
function rejectUpgrade(socket: Duplex, error: RuntimeError): void {
  const body = JSON.stringify(errorEnvelope(error));
  const status = statusFor(error);
  socket.end(
    `HTTP/1.1 ${status} ${status === 401 ? "Unauthorized" : "Error"}\r\n` +
      "Content-Type: application/json; charset=utf-8\r\n" +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      (status === 401 ? "WWW-Authenticate: Bearer\r\n" : "") +
      "Connection: close\r\n\r\n" +
      body,
  );
}

export class GatewayProxy {
  private readonly wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  private readonly open = new Set<{ client?: WebSocket; upstream: WebSocket }>();

  private readonly auth: RuntimeAuth;

  constructor(
    private readonly host: ProcessHost,
    auth: string | RuntimeAuth,
    private readonly log: Logger = () => {},
  ) {
    this.auth = runtimeAuthOf(auth);
  }

  get connectionCount(): number {
    return this.open.size;
  }

  /** `server.on("upgrade", proxy.handleUpgrade)`. */
  readonly handleUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on("error", () => socket.destroy());
    const pathname = new URL(req.url ?? "/", "http://runtime.invalid").pathname;
    authorize(headerValue(req.headers.authorization), pathname, this.auth).then(
      (access) => {
        if (access === "granted") this.upgrade(req, socket, head, pathname);
        else rejectUpgrade(socket, access === "other_workspace" ? OTHER_WORKSPACE : UNAUTHENTICATED);
      },
      () => rejectUpgrade(socket, runtimeError("internal", "internal error")),
    );
  };

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, pathname: string): void {
    // The caller may have gone while its credential was checked.
    if (socket.destroyed) return;
    const route = matchGatewayPath(pathname);
    if (!route)
      return rejectUpgrade(
        socket,
        runtimeError(
          "not_found",
          "WebSocket upgrades are only served at /v1/workspaces/:ws/instances/:id/gateway and …/device",
        ),
      );
    const device = route.route === "device";
    const ref = validateRef(route.workspaceId, route.instanceId);
    if (!ref.ok) return rejectUpgrade(socket, ref.error);
    // A device or node connecting to an asleep gateway wakes it: the upgrade waits for its start (as long as a start may take).
    this.host.wakeTarget(ref.value, this.host.startTimeoutMs).then(
      (target) => {
        if (socket.destroyed) return;
        if (!target.ok) return rejectUpgrade(socket, target.error);
        this.connect(req, socket, head, ref.value, device, target.value);
      },
      () => rejectUpgrade(socket, runtimeError("internal", "internal error")),
    );
  }

  private connect(
    req: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    ref: InstanceRef,
    device: boolean,
    { port, token }: GatewayTarget,
  ): void {
    // A fresh request upstream: no client header is copied, so no Origin and no
    // X-Forwarded-For reach the gateway (it refuses forwarded headers from an untrusted proxy).
    const forwarded = device
      ? { headers: { "x-forwarded-for": deviceForwardedFor(headerValue(req.headers[DEVICE_ADDRESS_HEADER])) } }
      : {};
    const upstream = new WebSocket(`ws://127.0.0.1:${port}`, {
      perMessageDeflate: false,
      handshakeTimeout: 10_000,
      ...forwarded,
    });
    const pair: { client?: WebSocket; upstream: WebSocket } = { upstream };
    this.open.add(pair);
    // The gateway sends connect.challenge as soon as it opens: hold frames until the client is attached.
    const pending: { data: RawData; isBinary: boolean }[] = [];
    const holdFrames = (data: RawData, isBinary: boolean) => pending.push({ data, isBinary });
    upstream.on("message", holdFrames);

    upstream.once("error", (error) => {
      if (pair.client) return;
      this.open.delete(pair);
      rejectUpgrade(
        socket,
        runtimeError("gateway_unavailable", `could not reach the gateway: ${error.message}`, { retryable: true }),
      );
    });
    upstream.once("open", () => {
      if (socket.destroyed) {
        upstream.terminate();
        this.open.delete(pair);
        return;
      }
      this.wss.handleUpgrade(req, socket, head, (client) => {
        pair.client = client;
        upstream.off("message", holdFrames);
        this.pipe(client, upstream, token, pair, device);
        if (device) {
          // Open, it keeps the instance awake (ProcessHost.sleep refuses); closed, it no longer does.
          this.host.deviceSocket(ref, 1);
          client.once("close", () => this.host.deviceSocket(ref, -1));
        }
        for (const frame of pending) this.toClient(client, frame.data, frame.isBinary, token);
        this.log(device ? "device entry opened" : "gateway proxy opened", {
          instance: `${ref.workspaceId}/${ref.instanceId}`,
        });
      });
    });
  }

  /** Closes every proxied connection (runtime shutdown). */
  closeAll(code = 1001, reason = "runtime shutting down"): void {
    for (const { client, upstream } of this.open) {
      client?.close(code, reason);
      upstream.terminate();
    }
    this.open.clear();
  }

  private toClient(client: WebSocket, data: RawData, isBinary: boolean, token: string): void {
    if (client.readyState !== WebSocket.OPEN) return;
    if (isBinary) client.send(data, { binary: true });
    else client.send(redactToken(data.toString(), token), { binary: false });
  }

  private pipe(
    client: WebSocket,
    upstream: WebSocket,
    token: string,
    pair: { client?: WebSocket; upstream: WebSocket },
    device: boolean,
  ): void {
    // Until the gateway accepts a connect, client frames are parsed (they are capped at
    // 64 KiB before the handshake); afterwards they pass through untouched. A device's
    // frames are never parsed: nothing is injected for it.
    let handshakeDone = device;
    let connectId: string | undefined;
    if (upstream.readyState !== WebSocket.OPEN) {
      // The gateway went away while the client's upgrade completed.
      this.open.delete(pair);
      client.close(1011, "gateway closed");
      return;
    }

    client.on("message", (data, isBinary) => {
      if (upstream.readyState !== WebSocket.OPEN) return;
      if (handshakeDone || isBinary) return upstream.send(data, { binary: isBinary });
      const injected = injectGatewayToken(data.toString(), token);
      if (injected.connectId !== undefined) connectId = injected.connectId;
      upstream.send(injected.text, { binary: false });
    });
    upstream.on("message", (data, isBinary) => {
      if (!handshakeDone && !isBinary && connectId !== undefined) {
        const text = data.toString();
        if (text.includes(`"id":"${connectId}"`)) {
          try {
            const frame = JSON.parse(text) as { type?: string; id?: string; ok?: boolean };
            if (frame.type === "res" && frame.id === connectId && frame.ok) handshakeDone = true;
          } catch {
            // not JSON: forwarded as is below
          }
        }
      }
      this.toClient(client, data, isBinary, token);
    });

    const finish = () => this.open.delete(pair);
    client.on("close", (code, reason) => {
      finish();
      if (upstream.readyState === WebSocket.OPEN) upstream.close(forwardableCloseCode(code), reason);
      else upstream.terminate();
    });
    upstream.on("close", (code, reason) => {
      finish();
      if (client.readyState === WebSocket.OPEN) client.close(forwardableCloseCode(code), reason);
    });
    client.on("error", () => upstream.terminate());
    upstream.on("error", () => client.terminate());
  }
}
