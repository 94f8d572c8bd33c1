// Readiness check: a gateway is "ready" only when a real `connect` handshake succeeds.
// The port opens 4-7 s after start, but until the startup sidecars are up `connect` answers
// UNAVAILABLE (retryable, details.reason "startup-sidecars").
import WebSocket from "ws";

export const GATEWAY_PROTOCOL = 4;
export const RUNTIME_CLIENT_VERSION = "0.1.0";

export type ProbeOutcome =
  | { kind: "ready"; serverVersion: string | undefined }
  | { kind: "retry"; afterMs: number; reason: string }
  | { kind: "fatal"; code: string; message: string };

/**
 * The minimal connect a server-side client may make: `gateway-client` in `backend` mode with
 * the gateway token and no device identity (loopback grants it the requested scopes).
 */
export function backendConnectParams(token: string, scopes: string[]): Record<string, unknown> {
  return {
    minProtocol: GATEWAY_PROTOCOL,
    maxProtocol: GATEWAY_PROTOCOL,
    client: { id: "gateway-client", version: RUNTIME_CLIENT_VERSION, platform: process.platform, mode: "backend", displayName: "autopilot-runtime" },
    role: "operator",
    scopes,
    caps: [],
    auth: { token },
  };
}

interface GatewayFrame {
  type?: string;
  event?: string;
  id?: string;
  ok?: boolean;
  payload?: { server?: { version?: string } };
  error?: { code?: string; message?: string; retryable?: boolean; retryAfterMs?: number; details?: { reason?: string } };
}

export function probeGateway(port: number, token: string, timeoutMs = 10_000): Promise<ProbeOutcome> {
  return new Promise((resolveProbe) => {
    // No Origin and no forwarded headers: the gateway refuses both from a server-side client.
    const ws = new WebSocket(`ws://127.0.0.1:${port}`, { handshakeTimeout: timeoutMs });
    let settled = false;
    const finish = (outcome: ProbeOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      ws.removeAllListeners();
      ws.on("error", () => {});
      ws.terminate();
      resolveProbe(outcome);
    };
    const timer = setTimeout(() => finish({ kind: "retry", afterMs: 500, reason: "handshake timed out" }), timeoutMs);
    ws.on("message", (data, isBinary) => {
      if (isBinary) return;
      let frame: GatewayFrame;
      try {
        frame = JSON.parse(data.toString());
      } catch {
        return;
      }
      if (frame.type === "event" && frame.event === "connect.challenge") {
        ws.send(JSON.stringify({ type: "req", id: "probe", method: "connect", params: backendConnectParams(token, ["operator.read"]) }));
      } else if (frame.type === "res" && frame.id === "probe") {
        if (frame.ok) finish({ kind: "ready", serverVersion: frame.payload?.server?.version });
        else if (frame.error?.retryable) finish({ kind: "retry", afterMs: frame.error.retryAfterMs ?? 500, reason: frame.error.details?.reason ?? frame.error.code ?? "unavailable" });
        else finish({ kind: "fatal", code: frame.error?.code ?? "UNKNOWN", message: frame.error?.message ?? "connect refused" });
      }
    });
    ws.on("error", (error) => finish({ kind: "retry", afterMs: 500, reason: error.message }));
    ws.on("close", (code) => finish({ kind: "retry", afterMs: 500, reason: `closed ${code} before hello-ok` }));
  });
}
