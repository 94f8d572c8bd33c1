import type { IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { vi } from "vitest";
import { WebSocketServer, type WebSocket } from "ws";
import type { HelloPayload } from "../../shared/protocol/hello";
import { hello } from "./fixtures";
import { untilReal } from "../../shared/test/real-clock";

export interface ReceivedRequest {
  id: string;
  method: string;
  params: Record<string, unknown> | undefined;
}

export interface RoomConnection {
  socket: WebSocket;
  url: URL;
  headers: IncomingMessage["headers"];
  requests: ReceivedRequest[];
  /** Frames the room sent, in order, so tests can check what came first. */
  sent: unknown[];
  send(frame: unknown): void;
  event(event: string, payload: unknown, seq?: number): void;
  respond(id: string, payload: unknown): void;
  /**
   * Sends every frame `send` sends in one write to the socket, so the client reads them in one
   * go: it handles them all before any promise callback their handling queues.
   */
  together(send: () => void): void;
  fail(id: string, error: { code: string; message: string; retryable: boolean; retryAfterMs?: number }): void;
  /**
   * A ping the client's socket answers on its own: once the pong is here, every frame the
   * client sent before it read the ping is here too (one socket, in order), and its socket is open.
   */
  roundTrip(): Promise<void>;
}

type Handler = (request: ReceivedRequest, connection: RoomConnection) => void;

/**
 * A stand-in for the Autopilot room that speaks the wire protocol over a real `ws`
 * server, scripted per test. It tests the client's side of the contract only; the real
 * room is covered by the end-to-end tests.
 */
export class FakeRoom {
  readonly connections: RoomConnection[] = [];
  /** Decides the hello for each new connection; return null to send none. */
  onConnect: (connection: RoomConnection) => Partial<HelloPayload> | null = () => ({});
  onRequest: Handler = () => {};
  readonly #server: WebSocketServer;
  readonly #waiters: (() => void)[] = [];

  private constructor(server: WebSocketServer) {
    this.#server = server;
    server.on("connection", (socket, request) => this.#accept(socket, request));
  }

  static async start(): Promise<FakeRoom> {
    const server = new WebSocketServer({ host: "127.0.0.1", port: 0 });
    await new Promise<void>((resolve) => server.once("listening", () => resolve()));
    return new FakeRoom(server);
  }

  get url(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  get latest(): RoomConnection {
    const connection = this.connections.at(-1);
    if (!connection) throw new Error("no connection yet");
    return connection;
  }

  /**
   * Resolves once `count` connections have been made in total. It waits for the connection
   * itself, on the real clock: a test whose clock is fake leaves it where it is meanwhile.
   */
  async waitForConnections(count: number, timeoutMs = 3_000): Promise<RoomConnection> {
    if (this.connections.length < count)
      await new Promise<void>((resolve, reject) => {
        const timer = realSetTimeout(
          () => reject(new Error(`expected ${count} connections, got ${this.connections.length}`)),
          timeoutMs,
        );
        const waiter = () => {
          if (this.connections.length < count) this.#waiters.push(waiter);
          else {
            realClearTimeout(timer);
            resolve();
          }
        };
        this.#waiters.push(waiter);
      });
    return this.connections[count - 1]!;
  }

  async close(): Promise<void> {
    for (const connection of this.connections) connection.socket.terminate();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #accept(socket: WebSocket, request: IncomingMessage): void {
    const sent: unknown[] = [];
    const connection: RoomConnection = {
      socket,
      url: new URL(request.url ?? "/", "http://room"),
      headers: request.headers,
      requests: [],
      sent,
      send: (frame) => {
        sent.push(frame);
        socket.send(JSON.stringify(frame));
      },
      event: (event, payload, seq) =>
        connection.send({ type: "event", event, payload, ...(seq === undefined ? {} : { seq }) }),
      respond: (id, payload) => connection.send({ type: "res", id, ok: true, payload }),
      fail: (id, error) => connection.send({ type: "res", id, ok: false, error }),
      together: (send) => {
        // The upgraded request's socket is the one `ws` writes to: corked, its writes go out as one.
        request.socket.cork();
        try {
          send();
        } finally {
          request.socket.uncork();
        }
      },
      roundTrip: () =>
        new Promise<void>((resolve) => {
          socket.once("pong", () => resolve());
          socket.ping();
        }),
    };
    this.connections.push(connection);
    socket.on("message", (data) => {
      const frame = JSON.parse(String(data)) as ReceivedRequest & { type: string };
      const received = { id: frame.id, method: frame.method, params: frame.params };
      connection.requests.push(received);
      this.onRequest(received, connection);
    });
    const overrides = this.onConnect(connection);
    if (overrides) connection.event("hello", hello(overrides));
    for (const wake of this.#waiters.splice(0)) wake();
  }
}

/** Timers as Node gives them, kept before any test installs fake ones. */
const realSetTimeout = globalThis.setTimeout;
const realClearTimeout = globalThis.clearTimeout;

/**
 * `eventually` for a test whose clock is fake (vi.useFakeTimers): it waits on socket I/O
 * on the real clock and leaves the fake one where it is (vi.waitFor would advance it).
 */
export const eventuallyReal = (check: () => void, timeoutMs = 3_000): Promise<void> => untilReal(check, timeoutMs);

export const eventually = (check: () => void, timeoutMs = 3_000): Promise<void> =>
  vi.waitFor(check, { timeout: timeoutMs, interval: 10 });
