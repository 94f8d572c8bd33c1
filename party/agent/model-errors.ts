// One readable line per model failure, for the thread's `error` message and the log.
// SDK errors carry far too much to show or log: an APICallError holds the whole request
// body (`requestBodyValues` = the entire prompt), the URL, response headers and body. Only
// the status, the error's kind and a clipped, scrubbed message ever leave this module.
import { APICallError, JSONParseError, NoOutputGeneratedError, RetryError, TypeValidationError } from "ai";

export interface DescribeOptions {
  /** Scrubbed from any message that echoes it (some endpoints quote the key they refused). */
  apiKey?: string | undefined;
  /** The step timeout, for "did not answer within N s" when the error does not say. */
  timeoutMs?: number | undefined;
}

const MESSAGE_CHARS = 300;

/** A provider's message, made safe to show: no key, no URL query, no line breaks, clipped. */
export function scrubMessage(message: string, apiKey?: string): string {
  let text = message;
  if (apiKey && apiKey.length >= 4) text = text.split(apiKey).join("[key]");
  text = text
    // Query strings may carry keys (`?key=…`); the host and path are the operator's own config.
    .replace(/(https?:\/\/[^\s?#"']*)[?#][^\s"']*/g, "$1")
    .replace(/\b(sk|pk|key|token)[-_][A-Za-z0-9_-]{8,}/gi, "[key]")
    .replace(/(bearer\s+)\S+/gi, "$1[key]")
    .replace(/\s+/g, " ")
    .trim();
  return text.length > MESSAGE_CHARS ? `${text.slice(0, MESSAGE_CHARS - 1)}…` : text;
}

const seconds = (ms: number) => `${Math.round(ms / 100) / 10} s`;

/** "TimeoutError: Step timeout of 700ms exceeded" (the SDK's abort reason) or a DOMException with that name. */
function timeoutLine(error: unknown, timeoutMs?: number): string | undefined {
  const name = error instanceof Error || (typeof error === "object" && error !== null && "name" in error) ? String((error as { name: unknown }).name) : "";
  const text = typeof error === "string" ? error : error instanceof Error ? error.message : "";
  if (name !== "TimeoutError" && !/^TimeoutError\b/.test(text)) return undefined;
  const match = /(\w+) timeout of (\d+)ms exceeded/.exec(text);
  const ms = match ? Number(match[2]) : timeoutMs;
  const what = match?.[1] === "Chunk" ? "the model stopped sending" : "the model did not answer";
  return ms ? `${what} within ${seconds(ms)}` : `${what} in time`;
}

/** The one line a person reads when a turn fails. Never includes the prompt, a URL query or the key. */
export function describeModelError(error: unknown, options: DescribeOptions = {}): string {
  if (RetryError.isInstance(error)) return describeModelError(error.lastError, options);
  const timeout = timeoutLine(error, options.timeoutMs);
  if (timeout) return timeout;
  if (APICallError.isInstance(error)) {
    const status = error.statusCode;
    if (status === 401 || status === 403) return `the model endpoint refused the key (HTTP ${status}): check AUTOPILOT_MODEL_API_KEY`;
    if (status === 404) return "the model endpoint answered HTTP 404: check AUTOPILOT_MODEL_ID and AUTOPILOT_MODEL_BASE_URL";
    if (status === 429) return `the model endpoint is rate limiting (HTTP 429): ${scrubMessage(error.message, options.apiKey)}`;
    if (status === undefined) return `could not reach the model endpoint: ${scrubMessage(error.message.replace(/^Cannot connect to API:\s*/, ""), options.apiKey)}`;
    return `model request failed: HTTP ${status}: ${scrubMessage(error.message, options.apiKey)}`;
  }
  if (JSONParseError.isInstance(error)) return "the model's stream was malformed";
  if (TypeValidationError.isInstance(error)) return "the model's answer was not in the expected format";
  if (NoOutputGeneratedError.isInstance(error)) {
    const cause = (error as Error).cause;
    return cause ? describeModelError(cause, options) : "the model produced no output";
  }
  if (error instanceof Error && error.name === "AbortError") return "the reply was stopped";
  if (error instanceof Error) return `model request failed: ${scrubMessage(`${error.name}: ${error.message}`, options.apiKey)}`;
  return `model request failed: ${scrubMessage(String(error), options.apiKey)}`;
}

/** What the room may log about a model error (the SDK would otherwise log the whole error, prompt included). */
export function errorLogFields(error: unknown, apiKey?: string): { name: string; statusCode?: number; message: string } {
  const inner = RetryError.isInstance(error) ? error.lastError : error;
  const name = inner instanceof Error ? inner.name : typeof inner;
  const statusCode = APICallError.isInstance(inner) ? inner.statusCode : undefined;
  const message = scrubMessage(inner instanceof Error ? inner.message : String(inner), apiKey);
  return statusCode === undefined ? { name, message } : { name, statusCode, message };
}
