// The readiness handshake with a gateway, without the socket: what to send and how to read
// the answers. Pure (no Node APIs): the process host's probe (gateway-probe.ts, over `ws`)
// and the sandbox host's probe (over `sandbox.wsConnect`) share it.
export const GATEWAY_PROTOCOL = 4;
export const RUNTIME_CLIENT_VERSION = "0.1.0";
/** Request id of the probe's connect. */
export const PROBE_REQUEST_ID = "probe";

export type ProbeOutcome =
  | { kind: "ready"; serverVersion: string | undefined }
  | { kind: "retry"; afterMs: number; reason: string }
  | { kind: "fatal"; code: string; message: string };

/**
 * The minimal connect a server-side client may make: `gateway-client` in `backend` mode with
 * the gateway token and no device identity (loopback grants it the requested scopes).
 */
export function backendConnectParams(token: string, scopes: string[], platform = "linux"): Record<string, unknown> {
  return {
    minProtocol: GATEWAY_PROTOCOL,
    maxProtocol: GATEWAY_PROTOCOL,
    client: {
      id: "gateway-client",
      version: RUNTIME_CLIENT_VERSION,
      platform,
      mode: "backend",
      displayName: "autopilot-runtime",
    },
    role: "operator",
    scopes,
    caps: [],
    auth: { token },
  };
}

/** The probe's connect request frame (read-only scope). */
export function probeConnectRequest(token: string, platform = "linux"): string {
  return JSON.stringify({
    type: "req",
    id: PROBE_REQUEST_ID,
    method: "connect",
    params: backendConnectParams(token, ["operator.read"], platform),
  });
}

interface GatewayFrame {
  type?: string;
  event?: string;
  id?: string;
  ok?: boolean;
  payload?: { server?: { version?: string } };
  error?: {
    code?: string;
    message?: string;
    retryable?: boolean;
    retryAfterMs?: number;
    details?: { reason?: string };
  };
}

/**
 * One text frame from the gateway during the probe: "send-connect" after the challenge, an
 * outcome on the answer to the probe's connect, undefined for anything else.
 */
export function interpretProbeFrame(text: string): "send-connect" | ProbeOutcome | undefined {
  let frame: GatewayFrame;
  try {
    frame = JSON.parse(text) as GatewayFrame;
  } catch {
    return undefined;
  }
  if (!frame || typeof frame !== "object") return undefined;
  if (frame.type === "event" && frame.event === "connect.challenge") return "send-connect";
  if (frame.type !== "res" || frame.id !== PROBE_REQUEST_ID) return undefined;
  if (frame.ok) return { kind: "ready", serverVersion: frame.payload?.server?.version };
  if (frame.error?.retryable)
    return {
      kind: "retry",
      afterMs: frame.error.retryAfterMs ?? 500,
      reason: frame.error.details?.reason ?? frame.error.code ?? "unavailable",
    };
  return { kind: "fatal", code: frame.error?.code ?? "UNKNOWN", message: frame.error?.message ?? "connect refused" };
}
