// Readiness check: a gateway is "ready" only when a real `connect` handshake succeeds.
// The port opens 4-7 s after start, but until the startup sidecars are up `connect` answers
// UNAVAILABLE (retryable, details.reason "startup-sidecars").
import WebSocket from "ws";
import { interpretProbeFrame, probeConnectRequest, type ProbeOutcome } from "./gateway-handshake";

export { backendConnectParams, GATEWAY_PROTOCOL, RUNTIME_CLIENT_VERSION, type ProbeOutcome } from "./gateway-handshake";

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
      const step = interpretProbeFrame(data.toString());
      if (step === "send-connect") ws.send(probeConnectRequest(token, process.platform));
      else if (step) finish(step);
    });
    ws.on("error", (error) => finish({ kind: "retry", afterMs: 500, reason: error.message }));
    ws.on("close", (code) => finish({ kind: "retry", afterMs: 500, reason: `closed ${code} before hello-ok` }));
  });
}
