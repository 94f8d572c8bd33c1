import {
  CloseCode,
  RateLimitCloseReason,
  RETRYABLE_CODES,
  TERMINAL_CLOSE_CODES,
  type ErrorCode,
  type ErrorShape,
} from "../../shared/protocol/errors";
import { OLDEST_PROTOCOL_VERSION, PROTOCOL_VERSION, serverProtocolsFromReason } from "../../shared/protocol/version";

/**
 * Codes an `AutopilotError` can carry: the server's closed set, plus the few failures only
 * the client can observe (it gave up waiting, the caller aborted, it was closed, the
 * server speaks another protocol version, or sent something that does not match the
 * schemas).
 */
export type AutopilotErrorCode =
  | ErrorCode
  | "timeout"
  | "aborted"
  | "closed"
  | "protocol_unsupported"
  | "invalid_response";

export interface AutopilotErrorInit {
  retryable?: boolean;
  retryAfterMs?: number;
  details?: Record<string, unknown>;
}

export class AutopilotError extends Error {
  override readonly name = "AutopilotError";
  readonly code: AutopilotErrorCode;
  readonly retryable: boolean;
  readonly retryAfterMs: number | undefined;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: AutopilotErrorCode, message: string, init: AutopilotErrorInit = {}) {
    super(message);
    this.code = code;
    this.retryable = init.retryable ?? false;
    this.retryAfterMs = init.retryAfterMs;
    this.details = init.details;
  }

  static fromShape(shape: ErrorShape): AutopilotError {
    return new AutopilotError(shape.code, shape.message, {
      // Trust the closed list over the flag, so a server bug cannot make us hammer it.
      retryable: shape.retryable && RETRYABLE_CODES.has(shape.code),
      ...(shape.retryAfterMs !== undefined && { retryAfterMs: shape.retryAfterMs }),
      ...(shape.details !== undefined && { details: shape.details }),
    });
  }

  toJSON(): Record<string, unknown> {
    return {
      code: this.code,
      message: this.message,
      retryable: this.retryable,
      ...(this.retryAfterMs !== undefined && { retryAfterMs: this.retryAfterMs }),
      ...(this.details !== undefined && { details: this.details }),
    };
  }
}

/** Errors after which reconnecting cannot help: the same credentials get the same answer. */
export function isTerminalError(error: AutopilotError): boolean {
  return error.code === "unauthenticated" || error.code === "forbidden" || error.code === "protocol_unsupported";
}

export function isTerminalCloseCode(code: number): boolean {
  return TERMINAL_CLOSE_CODES.has(code);
}

/** The error a socket close stands for; `retryable` is false for the terminal codes. */
export function errorFromClose(code: number, reason: string): AutopilotError {
  const why = reason ? `: ${reason}` : "";
  switch (code) {
    case CloseCode.unauthenticated:
      return new AutopilotError("unauthenticated", `authentication failed${why}`);
    case CloseCode.forbidden:
      return new AutopilotError("forbidden", `access to the workspace was refused${why}`);
    case CloseCode.protocolUnsupported:
      return protocolMismatch(serverProtocolsFromReason(reason));
    case CloseCode.rateLimited: {
      const retryAfterMs = rateLimitRetryAfter(reason);
      return new AutopilotError("rate_limited", "connection closed: rate limited", {
        retryable: true,
        ...(retryAfterMs !== null && { retryAfterMs }),
      });
    }
    case 1006:
      return new AutopilotError("unavailable", `connection lost${why}`, { retryable: true });
    default:
      return new AutopilotError("unavailable", `connection closed (${code})${why}`, { retryable: true });
  }
}

/**
 * The server speaks no version this client does (it speaks PROTOCOL_VERSION and, through
 * the cuts, back to OLDEST_PROTOCOL_VERSION): terminal, and what the person should do is
 * update the client (or, against an older server, use an older one). Shown as is by the
 * CLI and the app.
 */
export function protocolMismatch(server: { oldest: number; newest: number } | null): AutopilotError {
  const details = {
    clientProtocol: PROTOCOL_VERSION,
    ...(server !== null && { serverProtocol: server.newest, serverOldestProtocol: server.oldest }),
  };
  const speaks = (range: { oldest: number; newest: number }) =>
    range.oldest === range.newest ? `protocol ${range.newest}` : `protocols ${range.oldest} to ${range.newest}`;
  const client = speaks({ oldest: OLDEST_PROTOCOL_VERSION, newest: PROTOCOL_VERSION });
  if (server !== null && server.newest < PROTOCOL_VERSION) {
    return new AutopilotError(
      "protocol_unsupported",
      `this client speaks ${client}, newer than the server's ${server.newest}: use a client for protocol ${server.newest}`,
      { details },
    );
  }
  const suffix = server === null ? "" : ` (it speaks ${speaks(server)})`;
  return new AutopilotError(
    "protocol_unsupported",
    `this client speaks ${client}, which the server no longer supports${suffix}: update your client (reload the app, or install the latest autopilot CLI)`,
    {
      details,
    },
  );
}

/**
 * An older server refused the current version (4008) but speaks one this client can still
 * read (through the cuts): the version to ask for instead, or null.
 */
export function olderProtocolToTry(asked: number, reason: string): number | null {
  const server = serverProtocolsFromReason(reason);
  if (!server || server.newest >= asked) return null;
  return server.newest >= OLDEST_PROTOCOL_VERSION ? server.newest : null;
}

function rateLimitRetryAfter(reason: string): number | null {
  try {
    const parsed = RateLimitCloseReason.safeParse(JSON.parse(reason));
    return parsed.success ? parsed.data.retryAfterMs : null;
  } catch {
    return null;
  }
}
