import { HttpErrorBody } from "../../shared/api/errors";
import { TicketResponse } from "../../shared/api/tickets";
import { AutopilotError } from "./errors";

/** Where the room lives, in the shape PartySocket wants it. */
export interface Endpoint {
  /** Host plus any path prefix the deployment is mounted under, without scheme. */
  host: string;
  protocol: "ws" | "wss";
  basePath: string;
  /** `http(s)://host[/prefix]`, for the connect-ticket request. */
  httpBase: string;
}

export function resolveEndpoint(url: string | undefined, workspace: string): Endpoint {
  const raw = url ?? (typeof location === "undefined" ? undefined : location.origin);
  if (!raw) throw new TypeError("AutopilotClient: `url` is required outside a browser page");
  if (!workspace) throw new TypeError("AutopilotClient: `workspace` is required");
  const parsed = new URL(raw);
  if (!["http:", "https:", "ws:", "wss:"].includes(parsed.protocol)) {
    throw new TypeError(`AutopilotClient: unsupported url scheme ${parsed.protocol} (expected http: or https:)`);
  }
  const secure = parsed.protocol === "https:" || parsed.protocol === "wss:";
  const prefix = parsed.pathname.replace(/\/+$/, "");
  return {
    host: `${parsed.host}${prefix}`,
    protocol: secure ? "wss" : "ws",
    basePath: `agents/autopilot/${encodeURIComponent(workspace)}`,
    httpBase: `${secure ? "https" : "http"}://${parsed.host}${prefix}`,
  };
}

export interface SocketImplementation {
  /** A WebSocket constructor as PartySocket calls it: `new WebSocket(url, protocols?)`. */
  WebSocket: unknown;
  /** True when the key travels as a header, so no connect ticket is needed. */
  sendsApiKey: boolean;
}

function isNode(): boolean {
  return typeof process !== "undefined" && typeof process.versions?.node === "string";
}

/**
 * In Node we always use `ws`, even where a global WebSocket exists (Node 22+), because only
 * `ws` can send the `x-api-key` header on the upgrade. It is imported lazily so browser
 * bundles never load it.
 *
 * `ws` reports a close only when the TCP connection ends, which it leaves to the server (as
 * the WebSocket standard asks); but a room that closes a socket from outside that socket's own
 * events (a key revoked, a member removed) keeps the connection until it next goes idle
 * (docs/protocol.md, "Close codes"), and a busy room never does. Once the close frames have
 * gone both ways nothing more can come, and the standard lets a client end the connection
 * then: as a browser does, the socket is ended as soon as its side of the closing handshake
 * is out, so the close (and a terminal code's stop, or a resume) follows the server's frame.
 */
export async function resolveWebSocket(custom: unknown, apiKey: string | undefined): Promise<SocketImplementation> {
  if (custom) return { WebSocket: custom, sendsApiKey: false };
  if (!isNode()) {
    if (typeof WebSocket === "undefined")
      throw new TypeError("AutopilotClient: no WebSocket implementation; pass the `WebSocket` option");
    return { WebSocket, sendsApiKey: false };
  }
  const NodeWebSocket = (await import("ws")).default;
  const headers = apiKey ? { "x-api-key": apiKey } : undefined;
  class ClosingWebSocket extends NodeWebSocket {
    constructor(address: string, protocols?: string | string[]) {
      super(address, protocols, headers && { headers });
      // `ws` ends its side of the TCP connection (and only then) when both close frames have
      // passed; "finish" says that end has been written.
      this.once("upgrade", (response) => {
        const socket = response.socket;
        socket.once("finish", () => socket.destroy());
      });
    }
  }
  return { WebSocket: ClosingWebSocket, sendsApiKey: Boolean(apiKey) };
}

const UNEXPECTED_RESPONSE = /Unexpected server response: (\d{3})/;

/**
 * The HTTP status of a refused upgrade, when the socket implementation reports it (`ws`
 * does, in its error message; browsers never do). The room normally accepts and closes
 * with an application code instead, but a proxy in front of it may answer 401/403 itself.
 */
export function refusedUpgradeStatus(message: string | undefined): number | null {
  const match = message ? UNEXPECTED_RESPONSE.exec(message) : null;
  return match ? Number(match[1]) : null;
}

/** Exchanges an API key for a single-use connect ticket, for clients that cannot set headers. */
export async function fetchConnectTicket(
  fetchImpl: typeof fetch,
  endpoint: Endpoint,
  workspace: string,
  apiKey: string,
): Promise<string> {
  let response: Response;
  try {
    response = await fetchImpl(`${endpoint.httpBase}/api/connect-ticket`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": apiKey },
      body: JSON.stringify({ workspaceId: workspace }),
    });
  } catch (error) {
    throw new AutopilotError(
      "unavailable",
      `connect ticket request failed: ${error instanceof Error ? error.message : String(error)}`,
      { retryable: true },
    );
  }
  const body: unknown = await response.json().catch(() => undefined);
  if (!response.ok) {
    const parsed = HttpErrorBody.safeParse(body);
    const reason = parsed.success ? parsed.data.error.message : `HTTP ${response.status}`;
    if (response.status === 401) throw new AutopilotError("unauthenticated", `authentication failed: ${reason}`);
    if (response.status === 403)
      throw new AutopilotError("forbidden", `access to the workspace was refused: ${reason}`);
    if (response.status === 429) {
      const retryAfterS = Number(response.headers.get("retry-after"));
      throw new AutopilotError("rate_limited", `connect ticket: ${reason}`, {
        retryable: true,
        ...(Number.isFinite(retryAfterS) && retryAfterS > 0 && { retryAfterMs: retryAfterS * 1000 }),
      });
    }
    throw new AutopilotError("unavailable", `connect ticket: ${reason}`, { retryable: true });
  }
  const parsed = TicketResponse.safeParse(body);
  if (!parsed.success)
    throw new AutopilotError("invalid_response", "connect ticket: unexpected response body", { retryable: true });
  return parsed.data.ticket;
}
