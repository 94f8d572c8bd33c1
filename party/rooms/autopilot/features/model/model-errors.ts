// One readable line per model failure, for the thread's `error` message and the log.
// SDK errors carry far too much to show or log: an APICallError holds the whole request
// body (`requestBodyValues` = the entire prompt), the URL, response headers and body. Only
// the status, the error's kind and a clipped, scrubbed message ever leave this module.
//
// Every line a person reads names the setting to check (docs/operations.md, "The model"),
// because the person who reads it in a thread is rarely the operator who set the model up:
// the line has to say which knob is wrong without showing the knob's value.
import { APICallError, JSONParseError, NoOutputGeneratedError, RetryError, TypeValidationError } from "ai";

export interface DescribeOptions {
  /** Scrubbed from any message that echoes it (some endpoints quote the key they refused). */
  apiKey?: string | undefined;
  /** The endpoint; its host is scrubbed from any message that names it (an address is the operator's config). */
  baseURL?: string | undefined;
  /** The step timeout, for "did not answer within N s" when the error does not say. */
  timeoutMs?: number | undefined;
}

const MESSAGE_CHARS = 300;

const hostOf = (url: string | undefined): string | undefined => {
  if (!url) return undefined;
  try {
    return new URL(url).hostname || undefined;
  } catch {
    return undefined;
  }
};

/** A provider's message, made safe to show: no key, no URL, no endpoint host, no line breaks, clipped. */
export function scrubMessage(message: string, apiKey?: string, baseURL?: string): string {
  let text = message;
  if (apiKey && apiKey.length >= 4) text = text.split(apiKey).join("[key]");
  // Whole URLs go, not only their queries: a path can hold a key or a tenant too.
  text = text.replace(/\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>]*/gi, "[url]");
  const host = hostOf(baseURL);
  if (host && host.length >= 3) text = text.split(host).join("[endpoint]");
  text = text
    .replace(/\b(sk|pk|key|token)[-_][A-Za-z0-9_-]{8,}/gi, "[key]")
    .replace(/(bearer\s+)\S+/gi, "$1[key]")
    .replace(/\s+/g, " ")
    .trim();
  return text.length > MESSAGE_CHARS ? `${text.slice(0, MESSAGE_CHARS - 1)}…` : text;
}

const seconds = (ms: number) => `${Math.round(ms / 100) / 10} s`;

const nameOf = (error: unknown): string =>
  typeof error === "object" && error !== null && "name" in error ? String((error as { name: unknown }).name) : "";
const messageOf = (error: unknown): string =>
  typeof error === "string" ? error : error instanceof Error ? error.message : "";

/** The error and its causes, outermost first (bounded: a cause chain is remote input too). */
function chain(error: unknown): unknown[] {
  const seen: unknown[] = [];
  let current = error;
  while (current !== undefined && current !== null && seen.length < 8 && !seen.includes(current)) {
    seen.push(current);
    current = typeof current === "object" ? (current as { cause?: unknown }).cause : undefined;
  }
  return seen;
}

/** "TimeoutError: Step timeout of 700ms exceeded" (the SDK's abort reason) or a DOMException with that name. */
function timeoutLine(error: unknown, timeoutMs?: number): string | undefined {
  const text = messageOf(error);
  if (nameOf(error) !== "TimeoutError" && !/^TimeoutError\b/.test(text)) return undefined;
  const match = /(\w+) timeout of (\d+)ms exceeded/.exec(text);
  const ms = match ? Number(match[2]) : timeoutMs;
  const what = match?.[1] === "Chunk" ? "the model stopped sending" : "the model did not answer";
  return `${ms ? `${what} within ${seconds(ms)}` : `${what} in time`}: check AUTOPILOT_MODEL_BASE_URL, or raise AUTOPILOT_MODEL_TIMEOUT_MS`;
}

/**
 * Why the endpoint could not be reached, from what the runtimes say: workerd's fetch
 * ("Network connection lost.", "internal error" codes), Node's undici ("fetch failed"
 * with an ECONNREFUSED/ENOTFOUND cause), browsers ("Failed to fetch"), Bun's codes.
 */
const UNREACHABLE: readonly [RegExp, string][] = [
  [/ECONNREFUSED|ConnectionRefused|connection refused/i, "connection refused"],
  [/ENOTFOUND|EAI_AGAIN|getaddrinfo|\bDNS\b|name not resolved|could not resolve/i, "host not found"],
  [/ETIMEDOUT|UND_ERR_CONNECT_TIMEOUT|connect timeout/i, "connection timed out"],
  [
    /Network connection lost|ECONNRESET|ConnectionClosed|socket hang up|EPIPE|UND_ERR_SOCKET|other side closed/i,
    "connection lost",
  ],
  [
    /fetch failed|failed to fetch|FailedToOpenSocket|Cannot connect to API|network error|NetworkError|EHOSTUNREACH|ENETUNREACH|\bTLS\b|certificate/i,
    "connection failed",
  ],
];

function unreachableReason(error: unknown): string | undefined {
  const links = chain(error);
  const text = links
    .map((e) => `${nameOf(e)} ${String((e as { code?: unknown })?.code ?? "")} ${messageOf(e)}`)
    .join(" | ");
  for (const [pattern, reason] of UNREACHABLE) if (pattern.test(text)) return reason;
  // The SDK's wrapper for a request that got no response at all.
  if (links.some((e) => APICallError.isInstance(e) && e.statusCode === undefined)) return "connection failed";
  return undefined;
}

/** A `retry-after` the endpoint sent, in whole seconds, if it is a sane number. */
function retryAfter(error: APICallError): number | undefined {
  const raw = error.responseHeaders?.["retry-after"];
  if (typeof raw !== "string" || !/^\d{1,6}$/.test(raw.trim())) return undefined;
  return Number(raw.trim());
}

/** Statuses an endpoint answers when asking again later may succeed. */
const TRANSIENT_STATUSES = new Set([408, 409, 425, 429]);

/**
 * Whether asking the model again may succeed: a timeout, an endpoint that could not be
 * reached or dropped the connection, HTTP 408/409/425/429 or any 5xx; with the wait the
 * endpoint asked for (`retry-after`, whole seconds) when it sent one. Null: permanent (a
 * refused key, an unknown model, a malformed answer, a stop) — asking again changes nothing.
 */
export function transientModelError(error: unknown): { retryAfterMs: number | null } | null {
  if (RetryError.isInstance(error)) return transientModelError(error.lastError);
  if (NoOutputGeneratedError.isInstance(error)) {
    const cause = (error as Error).cause;
    return cause ? transientModelError(cause) : null;
  }
  if (timeoutLine(error)) return { retryAfterMs: null };
  if (error instanceof Error && error.name === "AbortError") return null;
  if (APICallError.isInstance(error) && error.statusCode !== undefined) {
    const status = error.statusCode;
    if (!TRANSIENT_STATUSES.has(status) && (status < 500 || status > 599)) return null;
    const wait = retryAfter(error);
    return { retryAfterMs: wait === undefined ? null : wait * 1000 };
  }
  if (JSONParseError.isInstance(error) || TypeValidationError.isInstance(error)) return null;
  return unreachableReason(error) ? { retryAfterMs: null } : null;
}

/** The one line a person reads when a turn fails. Never includes the prompt, a URL or the key. */
export function describeModelError(error: unknown, options: DescribeOptions = {}): string {
  if (RetryError.isInstance(error)) return describeModelError(error.lastError, options);
  const timeout = timeoutLine(error, options.timeoutMs);
  if (timeout) return timeout;
  if (NoOutputGeneratedError.isInstance(error)) {
    const cause = (error as Error).cause;
    return cause ? describeModelError(cause, options) : "the model produced no output";
  }
  if (error instanceof Error && error.name === "AbortError") return "the reply was stopped";
  const scrub = (text: string) => scrubMessage(text, options.apiKey, options.baseURL);
  if (APICallError.isInstance(error) && error.statusCode !== undefined) {
    const status = error.statusCode;
    if (status === 401 || status === 403)
      return `the model endpoint refused the key (HTTP ${status}): check AUTOPILOT_MODEL_API_KEY`;
    if (status === 404)
      return "the model endpoint does not know this model (HTTP 404): check AUTOPILOT_MODEL_ID and AUTOPILOT_MODEL_BASE_URL";
    if (status === 429) {
      const wait = retryAfter(error);
      return `the model endpoint is rate limiting (HTTP 429)${wait === undefined ? "" : `, try again in ${wait} s`}: check the plan or quota of AUTOPILOT_MODEL_API_KEY`;
    }
    return `model request failed: HTTP ${status}: ${scrub(error.message)}`;
  }
  // Before the network patterns: these carry the model's own text, which may say anything.
  if (JSONParseError.isInstance(error)) return "the model's stream was malformed";
  if (TypeValidationError.isInstance(error)) return "the model's answer was not in the expected format";
  const unreachable = unreachableReason(error);
  if (unreachable) return `cannot reach the model endpoint (${unreachable}): check AUTOPILOT_MODEL_BASE_URL`;
  if (error instanceof Error) return `model request failed: ${scrub(`${error.name}: ${error.message}`)}`;
  return `model request failed: ${scrub(String(error))}`;
}

/** What the room may log about a model error (the SDK would otherwise log the whole error, prompt included). */
export function errorLogFields(
  error: unknown,
  apiKey?: string,
  baseURL?: string,
): { name: string; statusCode?: number; message: string } {
  const inner = RetryError.isInstance(error) ? error.lastError : error;
  const name = inner instanceof Error ? inner.name : typeof inner;
  const statusCode = APICallError.isInstance(inner) ? inner.statusCode : undefined;
  const message = scrubMessage(inner instanceof Error ? inner.message : String(inner), apiKey, baseURL);
  return statusCode === undefined ? { name, message } : { name, statusCode, message };
}
