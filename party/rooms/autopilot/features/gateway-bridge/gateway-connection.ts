import { type ConnectProof, type DeviceIdentity, signProof } from "./device-identity";
import { Challenge, ConnectParams, GATEWAY_PROTOCOL, HelloOk, IncomingFrame, RequestFrame } from "./gateway-frames";
import { frameOver } from "../../../../domain/frame-size";
import { DEFAULT_GATEWAY_LIMITS } from "./gateway-limits";

/**
 * A gateway's refusal of a request, with its code (e.g. NOT_PAIRED, AUTH_DEVICE_TOKEN_MISMATCH)
 * and whether the gateway said asking again later may succeed.
 */
export class GatewayRequestError extends Error {
  constructor(
    readonly method: string,
    readonly code: string,
    message: string,
    readonly details: unknown,
    readonly retryable = false,
  ) {
    super(`${method}: ${code}: ${message}`);
  }
}

export interface Closed {
  code: number;
  reason: string;
}

export interface ConnectOptions {
  device: DeviceIdentity;
  /** The credential to present: the device token once we have one, else the gateway token. */
  auth: { token: string } | { deviceToken: string };
  scopes: readonly string[];
  caps: readonly string[];
  /**
   * `ui` to pair (and receive a device token); `backend` once we hold one. The gateway
   * never pairs a local `backend` client, so it would never issue it a device token
   * (runtime/BRIDGE.md, "Device auth through the proxy").
   */
  mode: "ui" | "backend";
  onEvent(event: string, payload: unknown): void;
  /** Frames larger than this (UTF-8 bytes) are dropped unread (GatewayLimits.maxFrameBytes). */
  maxFrameBytes?: number;
}

/** The code of the GatewayRequestError a request fails with when its answer was over the frame cap. */
export const FRAME_TOO_LARGE = "AUTOPILOT_FRAME_TOO_LARGE";

export interface Hello {
  /** How the gateway authenticated us: `token` (shared gateway token) or `device-token`. */
  method: string | null;
  scopes: string[];
  deviceToken: string | null;
  tickIntervalMs: number;
  /** The gateway's own version (`hello-ok.server.version`, e.g. "2026.9.6"). */
  serverVersion: string | null;
}

// deviceFamily is signed but not sent: the gateway reads it from client metadata we do not
// set, so it is empty on both sides (and pinned at pairing: never change it).
const CLIENT = { id: "gateway-client", platform: "linux", deviceFamily: "", version: "0.1.0" } as const;
const HANDSHAKE_TIMEOUT_MS = 12_000;
const REQUEST_TIMEOUT_MS = 20_000;

interface Pending {
  method: string;
  resolve(payload: unknown): void;
  reject(error: Error): void;
  timer: ReturnType<typeof setTimeout>;
}

/**
 * One open, authenticated socket to a gateway: request/response by id, events to a
 * callback, and a tick watchdog (the gateway ticks every `tickIntervalMs`; silence for
 * two and a half of those means the link is dead even if TCP has not noticed).
 */
export class GatewayConnection {
  readonly closed: Promise<Closed>;
  #ws: WebSocket;
  #pending = new Map<string, Pending>();
  #nextId = 0;
  #lastFrameAt = Date.now();
  #watchdog: ReturnType<typeof setInterval> | null = null;
  #onEvent: (event: string, payload: unknown) => void = () => {};
  #onChallenge: ((payload: unknown) => void) | null = null;
  #resolveClosed!: (closed: Closed) => void;
  #isClosed = false;
  readonly #maxFrameBytes: number;
  #dropped = 0;

  private constructor(ws: WebSocket, maxFrameBytes: number) {
    this.#ws = ws;
    this.#maxFrameBytes = maxFrameBytes;
    this.closed = new Promise((resolve) => (this.#resolveClosed = resolve));
    ws.addEventListener("message", (e) => this.#receive(e.data));
    ws.addEventListener("close", (e) => this.#close({ code: e.code, reason: e.reason }));
    ws.addEventListener("error", () => this.#close({ code: 1006, reason: "socket error" }));
    // Accept only now: the gateway sends its challenge at once, and a frame that arrived
    // before the listeners were attached would be lost.
    (ws as WebSocket & { accept?: () => void }).accept?.();
  }

  /**
   * Waits for `connect.challenge`, answers with a signed `connect`, and resolves once the
   * gateway said hello. Rejects with a GatewayRequestError when it refuses.
   */
  static async open(ws: WebSocket, options: ConnectOptions): Promise<{ connection: GatewayConnection; hello: Hello }> {
    const connection = new GatewayConnection(ws, options.maxFrameBytes ?? DEFAULT_GATEWAY_LIMITS.maxFrameBytes);
    try {
      const challenge = Challenge.parse(await connection.#waitForChallenge());
      const token = "token" in options.auth ? options.auth.token : options.auth.deviceToken;
      const proof: ConnectProof = {
        clientId: CLIENT.id,
        clientMode: options.mode,
        role: "operator",
        scopes: options.scopes,
        signedAt: challenge.ts,
        token,
        nonce: challenge.nonce,
        platform: CLIENT.platform,
        deviceFamily: CLIENT.deviceFamily,
      };
      const params = ConnectParams.parse({
        minProtocol: GATEWAY_PROTOCOL,
        maxProtocol: GATEWAY_PROTOCOL,
        client: {
          id: CLIENT.id,
          version: CLIENT.version,
          platform: CLIENT.platform,
          mode: options.mode,
          displayName: "Autopilot",
        },
        role: "operator",
        scopes: [...options.scopes],
        caps: [...options.caps],
        auth: options.auth,
        device: {
          id: options.device.deviceId,
          publicKey: options.device.publicKey,
          signature: await signProof(options.device, proof),
          signedAt: challenge.ts,
          nonce: challenge.nonce,
        },
      });
      const hello = HelloOk.parse(await connection.request("connect", params, HANDSHAKE_TIMEOUT_MS));
      connection.#onEvent = options.onEvent;
      const tickIntervalMs = hello.policy?.tickIntervalMs ?? 30_000;
      connection.#startWatchdog(tickIntervalMs);
      return {
        connection,
        hello: {
          method: hello.auth?.method ?? null,
          scopes: hello.auth?.scopes ?? [],
          deviceToken: hello.auth?.deviceToken ?? null,
          tickIntervalMs,
          serverVersion: hello.server?.version ?? null,
        },
      };
    } catch (error) {
      connection.close(1000, "handshake failed");
      throw error;
    }
  }

  #waitForChallenge(): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("the gateway sent no connect.challenge")), HANDSHAKE_TIMEOUT_MS);
      this.#onChallenge = (payload) => {
        clearTimeout(timer);
        this.#onChallenge = null;
        resolve(payload);
      };
      void this.closed.then((c) => {
        clearTimeout(timer);
        reject(new Error(`the gateway closed before the handshake (${c.code} ${c.reason})`));
      });
    });
  }

  get isOpen(): boolean {
    return !this.#isClosed;
  }

  request(
    method: string,
    params: Record<string, unknown> = {},
    timeoutMs = REQUEST_TIMEOUT_MS,
    traceparent?: string,
  ): Promise<unknown> {
    if (this.#isClosed) return Promise.reject(new Error(`${method}: the gateway connection is closed`));
    const id = `ap-${++this.#nextId}`;
    const frame = RequestFrame.parse({ type: "req", id, method, params, ...(traceparent ? { traceparent } : {}) });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new Error(`${method}: no answer from the gateway within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#pending.set(id, { method, resolve, reject, timer });
      try {
        this.#ws.send(JSON.stringify(frame));
      } catch (error) {
        // The gateway closed before its close event reached us ("send() after close()"):
        // fail the request now and drop its pending entry instead of waiting for the timer.
        clearTimeout(timer);
        this.#pending.delete(id);
        reject(new Error(`${method}: the gateway connection is closed (${String(error)})`));
      }
    });
  }

  close(code = 1000, reason = "closing"): void {
    try {
      this.#ws.close(code, reason);
    } catch {
      // already closed
    }
    this.#close({ code, reason });
  }

  #receive(data: unknown): void {
    this.#lastFrameAt = Date.now();
    if (typeof data !== "string") return;
    if (frameOver(data, this.#maxFrameBytes)) return this.#refuseFrame(data);
    let json: unknown;
    try {
      json = JSON.parse(data);
    } catch {
      return;
    }
    const parsed = IncomingFrame.safeParse(json);
    if (!parsed.success) return;
    const frame = parsed.data;
    if (frame.type === "res") {
      const pending = this.#pending.get(frame.id);
      if (!pending) return;
      this.#pending.delete(frame.id);
      clearTimeout(pending.timer);
      if (frame.ok) pending.resolve(frame.payload);
      else
        pending.reject(
          new GatewayRequestError(
            pending.method,
            frame.error?.code ?? "UNKNOWN",
            frame.error?.message ?? "request failed",
            frame.error?.details,
            frame.error?.retryable === true,
          ),
        );
      return;
    }
    if (frame.event === "connect.challenge") {
      this.#onChallenge?.(frame.payload);
      return;
    }
    try {
      this.#onEvent(frame.event, frame.payload);
    } catch (error) {
      console.error(JSON.stringify({ msg: "gateway event handler failed", event: frame.event, error: String(error) }));
    }
  }

  /**
   * A frame over the cap is not parsed. If it answers one of our requests (its id read
   * from the frame's head, as a client's refused frame is), that request fails with a
   * typed error instead of waiting out its timeout; anything else is dropped. The link
   * stays up: one oversized answer costs only the request it answered.
   */
  #refuseFrame(data: string): void {
    this.#dropped++;
    const head = data.slice(0, 512);
    const id = /"type"\s*:\s*"res"/.test(head) ? /"id"\s*:\s*"(ap-\d{1,15})"/.exec(head)?.[1] : undefined;
    const pending = id ? this.#pending.get(id) : undefined;
    // The first drop and then every hundredth: a gateway sending nothing else must not flood the log.
    if (this.#dropped === 1 || this.#dropped % 100 === 0)
      console.warn(
        JSON.stringify({
          msg: "gateway frame over the cap dropped",
          maxBytes: this.#maxFrameBytes,
          length: data.length,
          dropped: this.#dropped,
          answers: pending?.method ?? null,
        }),
      );
    if (!id || !pending) return;
    this.#pending.delete(id);
    clearTimeout(pending.timer);
    pending.reject(
      new GatewayRequestError(
        pending.method,
        FRAME_TOO_LARGE,
        `the gateway's answer is larger than the ${this.#maxFrameBytes}-byte frame cap (GATEWAY_MAX_FRAME_BYTES)`,
        {
          maxBytes: this.#maxFrameBytes,
        },
      ),
    );
  }

  #startWatchdog(tickIntervalMs: number): void {
    const limit = tickIntervalMs * 2.5;
    this.#watchdog = setInterval(
      () => {
        if (Date.now() - this.#lastFrameAt > limit)
          this.close(4000, `no tick from the gateway for ${Math.round(limit / 1000)} s`);
      },
      Math.max(1000, tickIntervalMs / 2),
    );
  }

  #close(closed: Closed): void {
    if (this.#isClosed) return;
    this.#isClosed = true;
    if (this.#watchdog) clearInterval(this.#watchdog);
    for (const pending of this.#pending.values()) {
      clearTimeout(pending.timer);
      pending.reject(new Error(`${pending.method}: the gateway connection closed (${closed.code} ${closed.reason})`));
    }
    this.#pending.clear();
    this.#resolveClosed(closed);
  }
}
