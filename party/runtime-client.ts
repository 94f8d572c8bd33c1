import { RoomError } from "./domain/errors";

/** What the Autopilot reads of a runtime instance status (the token is never part of it). */
export interface RuntimeInstanceStatus {
  state: "provisioning" | "starting" | "ready" | "error" | "stopped";
  phase: string;
  progress: number;
  error: { code: string; message: string } | null;
  version: number;
}

type Envelope<T> = { ok: true; data: T } | { ok: false; error: { code: string; message: string; retryable?: boolean } };

/**
 * The OpenClaw runtime's HTTP API as the Autopilot uses it (service token, envelope
 * responses). The same surface serves the local process host and the production sandbox
 * host, so this client is all the room needs to know about either.
 */
export class RuntimeClient {
  constructor(
    private readonly baseUrl: string,
    private readonly token: string,
  ) {}

  async #call<T>(method: string, path: string, signal?: AbortSignal): Promise<T> {
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl.replace(/\/$/, "")}${path}`, { method, headers: { authorization: `Bearer ${this.token}` }, ...(signal ? { signal } : {}) });
    } catch (error) {
      // The cause (with the runtime's internal address) goes to the log, not to clients.
      console.warn(JSON.stringify({ msg: "runtime request failed", method, path, error: String(error) }));
      throw new RoomError("unavailable", "the OpenClaw runtime is unreachable");
    }
    const body = (await response.json().catch(() => null)) as Envelope<T> | null;
    if (!body) throw new RoomError("unavailable", `the OpenClaw runtime answered ${response.status} without a body`);
    if (!body.ok) throw new RoomError(body.error.code === "capacity_exceeded" || body.error.code === "conflict" ? "conflict" : "unavailable", body.error.message, { runtimeCode: body.error.code });
    return body.data;
  }

  #path(workspaceId: string, instanceId: string): string {
    return `/v1/workspaces/${encodeURIComponent(workspaceId)}/instances/${encodeURIComponent(instanceId)}`;
  }

  provision(ws: string, id: string): Promise<RuntimeInstanceStatus> {
    return this.#call<{ status?: RuntimeInstanceStatus } & RuntimeInstanceStatus>("PUT", this.#path(ws, id)).then((d) => d.status ?? d);
  }

  /** Long-polls: answers when the status changed after `sinceVersion`, or after `waitMs`. */
  status(ws: string, id: string, sinceVersion: number, waitMs: number, signal?: AbortSignal): Promise<RuntimeInstanceStatus> {
    return this.#call<RuntimeInstanceStatus>("GET", `${this.#path(ws, id)}?sinceVersion=${sinceVersion}&waitMs=${waitMs}`, signal);
  }

  restart(ws: string, id: string): Promise<unknown> {
    return this.#call("POST", `${this.#path(ws, id)}/restart`);
  }

  backup(ws: string, id: string): Promise<{ file?: string; bytes?: number }> {
    return this.#call("POST", `${this.#path(ws, id)}/backups`);
  }

  /** The gateway token, for the bridge's device proof. Server to server only: never forwarded to a client. */
  credentials(ws: string, id: string): Promise<{ token: string }> {
    return this.#call("GET", `${this.#path(ws, id)}/credentials`);
  }

  /** A WebSocket to the instance's gateway through the runtime's proxy (not yet accepted). */
  async openGateway(ws: string, id: string): Promise<WebSocket> {
    let response: Response;
    try {
      // workerd opens outbound WebSockets with fetch + Upgrade (an http: URL, not ws:).
      response = await fetch(`${this.baseUrl.replace(/\/$/, "")}${this.#path(ws, id)}/gateway`, { headers: { upgrade: "websocket", authorization: `Bearer ${this.token}` } });
    } catch (error) {
      console.warn(JSON.stringify({ msg: "runtime gateway socket failed", error: String(error) }));
      throw new RoomError("unavailable", "the OpenClaw runtime is unreachable");
    }
    const socket = response.webSocket;
    if (!socket) {
      const body = (await response.json().catch(() => null)) as Envelope<unknown> | null;
      throw new RoomError("unavailable", body && !body.ok ? body.error.message : `the runtime refused the gateway socket (${response.status})`);
    }
    return socket;
  }

  delete(ws: string, id: string): Promise<unknown> {
    return this.#call("DELETE", this.#path(ws, id));
  }
}
