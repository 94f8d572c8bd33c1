// A linked OpenClaw gateway's side of the gateway protocol, scripted on loopback (a WebSocket
// server): the handshake, the catch-up's lists, ticks, and whatever a test tells it to send or
// answer. The end-to-end tests that need a gateway to misbehave (e2e-hostile-gateway) or to
// take its time deciding (e2e-chats-answer-first) link it as an instance (instances.link).
import { randomBytes } from "node:crypto";
import { createServer } from "node:http";
import { type WebSocket, WebSocketServer } from "ws";

type Frame = { type: string; id?: string; method?: string; params?: Record<string, unknown> };

/** An answer worked out from a request's params: the answer goes when it comes. */
export type GatewayAnswer = (params: Record<string, unknown>) => Promise<unknown>;

/**
 * The gateway protocol's side of a link, scripted: it answers what the bridge asks (with a
 * payload from `answers`, or one `later` works out) and sends what a test tells it to.
 */
export function scriptedGateway(answers: Record<string, unknown> = {}, later: Record<string, GatewayAnswer> = {}) {
  const sockets: WebSocket[] = [];
  let connections = 0;
  const http = createServer((_req, res) => res.writeHead(426).end());
  const wss = new WebSocketServer({ server: http });
  const defaults: Record<string, unknown> = {
    "sessions.subscribe": {},
    "exec.approval.list": [],
    "device.pair.list": { pending: [], paired: [] },
    "node.pair.list": { pending: [], paired: [] },
    "channels.pairing.list": { requests: [] },
    "sessions.list": { sessions: [] },
    "chat.history": { messages: [] },
  };
  wss.on("connection", (ws) => {
    connections++;
    sockets.push(ws);
    ws.send(
      JSON.stringify({
        type: "event",
        event: "connect.challenge",
        payload: { nonce: randomBytes(8).toString("hex"), ts: Date.now() },
      }),
    );
    // The bridge closes a link that stops ticking.
    const tick = setInterval(
      () => ws.send(JSON.stringify({ type: "event", event: "tick", payload: { ts: Date.now() } })),
      5000,
    );
    ws.on("close", () => clearInterval(tick));
    // The room may reset this link at any time (that is what it does to a hostile gateway):
    // a reset is an outcome the tests read from the room, not an error of this peer.
    ws.on("error", () => clearInterval(tick));
    ws.on("message", async (data) => {
      const frame = JSON.parse(String(data)) as Frame;
      if (frame.type !== "req" || !frame.method) return;
      const payload =
        frame.method === "connect"
          ? {
              auth: {
                method: "token",
                scopes: ["operator.read", "operator.write", "operator.approvals", "operator.pairing", "operator.admin"],
              },
              policy: { tickIntervalMs: 10_000 },
            }
          : later[frame.method]
            ? await later[frame.method]!(frame.params ?? {})
            : (answers[frame.method] ?? defaults[frame.method] ?? {});
      ws.send(JSON.stringify({ type: "res", id: frame.id, ok: true, payload }));
    });
  });
  return {
    listen: (port: number) => new Promise<void>((resolve) => http.listen(port, "127.0.0.1", resolve)),
    get connections() {
      return connections;
    },
    /** An event to the newest connection (the bridge's). */
    event(event: string, payload: unknown) {
      sockets.at(-1)!.send(JSON.stringify({ type: "event", event, payload }));
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const ws of sockets) ws.terminate();
        wss.close();
        http.close(() => resolve());
      }),
  };
}
