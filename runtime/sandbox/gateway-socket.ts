// The gateway WebSocket on the sandbox host, over Workers WebSockets: the readiness probe
// and the proxy's two-way pipe. The frame rewriting is the process host's own
// (runtime/src/gateway-frames.ts): the caller's `connect` gets `params.auth = {token}` unless
// it brings its own `auth.token`/`auth.deviceToken` (a device identity), and every text frame
// back is checked for the gateway token and masked.
import { forwardableCloseCode, injectGatewayToken, redactToken } from "../src/gateway-frames";
import { interpretProbeFrame, probeConnectRequest, type ProbeOutcome } from "../src/gateway-handshake";

/** The part of a Workers `WebSocket` this module uses (fakes in tests implement the same). */
export interface SocketLike {
  accept?(): void;
  send(data: string | ArrayBuffer | ArrayBufferView): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: "message", listener: (event: { data: string | ArrayBuffer }) => void): void;
  addEventListener(type: "close", listener: (event: { code?: number; reason?: string }) => void): void;
  addEventListener(type: "error", listener: () => void): void;
  readonly readyState: number;
}

const OPEN = 1;

function safeSend(socket: SocketLike, data: string | ArrayBuffer | ArrayBufferView): void {
  if (socket.readyState !== OPEN) return;
  try {
    socket.send(data);
  } catch {
    // closed meanwhile
  }
}

function safeClose(socket: SocketLike, code: number, reason: string): void {
  try {
    socket.close(code, reason);
  } catch {
    // already closed
  }
}

/**
 * A real `connect` handshake over an accepted socket to the gateway: ready, retry (not up
 * yet, e.g. UNAVAILABLE "startup-sidecars") or fatal. Closes the socket when done.
 */
export function probeOverSocket(socket: SocketLike, token: string, timeoutMs = 10_000): Promise<ProbeOutcome> {
  return new Promise((resolveProbe) => {
    let settled = false;
    const finish = (outcome: ProbeOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      safeClose(socket, 1000, "probe done");
      resolveProbe(outcome);
    };
    const timer = setTimeout(() => finish({ kind: "retry", afterMs: 500, reason: "handshake timed out" }), timeoutMs);
    socket.addEventListener("message", (event: { data: unknown }) => {
      if (typeof event.data !== "string") return;
      const step = interpretProbeFrame(event.data);
      if (step === "send-connect") safeSend(socket, probeConnectRequest(token));
      else if (step) finish(step);
    });
    socket.addEventListener("close", (event: { code?: number }) =>
      finish({ kind: "retry", afterMs: 500, reason: `closed ${event.code ?? 1006} before hello-ok` }),
    );
    socket.addEventListener("error", () => finish({ kind: "retry", afterMs: 500, reason: "socket error" }));
    socket.accept?.();
  });
}

/**
 * Pipes the caller's socket (the server end of a WebSocketPair) and the gateway's socket
 * (from `sandbox.wsConnect`), exactly like the process host's proxy: until the gateway
 * accepts a `connect`, client text frames are parsed and the token is injected into the
 * `connect` request (unless it carries its own credential); afterwards they pass through. Text frames from the gateway are always
 * redacted. Close codes are forwarded (reserved ones mapped).
 */
export function bridgeGatewaySockets(
  client: SocketLike,
  upstream: SocketLike,
  token: string,
  { inject = true }: { inject?: boolean } = {},
): void {
  // A device's frames are never parsed: nothing is injected for it (the device entry).
  let handshakeDone = !inject;
  let connectId: string | undefined;

  client.addEventListener("message", (event: { data: string | ArrayBuffer }) => {
    const data = event.data;
    if (handshakeDone || typeof data !== "string") return safeSend(upstream, data);
    const injected = injectGatewayToken(data, token);
    if (injected.connectId !== undefined) connectId = injected.connectId;
    safeSend(upstream, injected.text);
  });
  upstream.addEventListener("message", (event: { data: string | ArrayBuffer }) => {
    const data = event.data;
    if (typeof data !== "string") return safeSend(client, data);
    if (!handshakeDone && connectId !== undefined && data.includes(`"id":"${connectId}"`)) {
      try {
        const frame = JSON.parse(data) as { type?: string; id?: string; ok?: boolean };
        if (frame.type === "res" && frame.id === connectId && frame.ok) handshakeDone = true;
      } catch {
        // not JSON: forwarded as is below
      }
    }
    safeSend(client, redactToken(data, token));
  });
  client.addEventListener("close", (event: { code?: number; reason?: string }) =>
    safeClose(upstream, forwardableCloseCode(event.code ?? 1005), event.reason ?? ""),
  );
  upstream.addEventListener("close", (event: { code?: number; reason?: string }) =>
    safeClose(client, forwardableCloseCode(event.code ?? 1005), event.reason ?? ""),
  );
  client.addEventListener("error", () => safeClose(upstream, 1011, "client error"));
  upstream.addEventListener("error", () => safeClose(client, 1011, "gateway error"));
  // Accept only now: frames that arrive (the gateway's connect.challenge) find the listeners.
  client.accept?.();
  upstream.accept?.();
}
