// The model pass-through's one handler, over the Fetch API so that both hosts serve it: the
// process host behind a loopback Node server (model-passthrough.ts), the sandbox host as the
// containers' outbound route on its Worker (sandbox/model-egress.ts). What differs per host
// (where credentials, call slots and usage are kept) comes in as ModelRouteDeps.
//
// A gateway holds only its per-instance credential. The handler checks it first, refuses a
// workspace the Autopilot room said is out of credits (402, shared/runtime/spend.ts), takes one
// of the instance's call slots, reads a bounded body, rebuilds the request from the
// allowlist (model-request.ts), swaps in the operator's key, forwards, streams the answer
// back, and reports the call's usage once it has ended (an answer without usage, e.g. an
// upstream error, reports null: counted, not metered). The pinned gateway calls streaming
// POST /v1/chat/completions only; GET /v1/models is answered here with the one model.
import type { InstanceRef } from "../../shared/runtime/requests";
import type { SpendState } from "../../shared/runtime/spend";
import type { ModelProviderConfig } from "./model-config";
import {
  MAX_REQUEST_BYTES,
  maxOutputTokensOf,
  ModelRefusal,
  parseChatRequest,
  readBounded,
  type BoundedChatRequest,
} from "./model-request";
import { boundedCall, type CallUsage, finishReasonOf, SseUsageScanner, usageOf } from "./model-usage";

export const MAX_CALLS_IN_FLIGHT_PER_INSTANCE = 4;
/** The gateway itself gives up after its provider's timeoutSeconds (120, gateway-config.ts). */
export const UPSTREAM_TIMEOUT_MS = 180_000;
const MAX_JSON_ANSWER_BYTES = 16 * 1024 * 1024;
const NULL_BODY_STATUSES = new Set([204, 205, 304]);

type Logger = (message: string, fields?: Record<string, unknown>) => void;
type MaybePromise<T> = T | Promise<T>;

/** One request from a gateway, as the host received it. */
export interface ModelCall {
  method: string;
  /** The URL's path, e.g. /v1/chat/completions. */
  path: string;
  authorization: string | null | undefined;
  /** The declared Content-Length (0 or NaN when absent). */
  contentLength: number;
  /** Read only once the credential and a call slot check out. */
  body: AsyncIterable<Uint8Array>;
  /** Aborts the upstream call when the gateway goes away. */
  signal?: AbortSignal;
  /** The request's W3C `traceparent` header, untrusted (model-traces.ts). */
  traceparent?: string | undefined;
}

/** What one forwarded (or refused) model call was, for its span (no prompt, answer or key). */
export interface ModelCallRecord {
  ref: InstanceRef;
  /** The request's `traceparent` header, as received (untrusted). */
  traceparent: string | undefined;
  /** The model the call was sent to (the operator's); null when it was refused before that was known. */
  model: string | null;
  stream: boolean;
  startMs: number;
  endMs: number;
  usage: CallUsage | null;
  finishReason: string | null;
  /** The upstream's HTTP status, or the pass-through's own for a refusal; null when none came. */
  status: number | null;
  /** Why the call failed, in words; null when it did not. */
  error: string | null;
}

/** How a forwarded call ended. */
interface CallEnd {
  usage: CallUsage | null;
  finishReason: string | null;
  status: number | null;
  error: string | null;
}

export interface ModelRouteDeps {
  /** The operator's endpoint, key, model and output cap. */
  upstream: ModelProviderConfig;
  /** The instance a presented credential belongs to, or undefined. */
  verify(credential: string): MaybePromise<InstanceRef | undefined>;
  /** Whether the instance's workspace may spend now, as the Autopilot room last said. */
  spend(workspaceId: string): MaybePromise<SpendState>;
  /** One of the instance's MAX_CALLS_IN_FLIGHT_PER_INSTANCE call slots, or null when all are taken. */
  acquire(ref: InstanceRef): MaybePromise<string | null>;
  release(ref: InstanceRef, slot: string): MaybePromise<void>;
  /** Once per forwarded call, when it has ended. */
  record(ref: InstanceRef, usage: CallUsage | null): MaybePromise<void>;
  /** Once per call of a known instance, forwarded or refused, when it has ended (its span; never throws). */
  traced?(call: ModelCallRecord): void;
  log?: Logger;
}

export function bearer(header: string | null | undefined): string {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? "");
  return match?.[1] ?? "";
}

const json = (status: number, body: unknown): Response =>
  new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", "cache-control": "no-store" },
  });

export const refusalResponse = (refusal: ModelRefusal): Response =>
  json(refusal.status, {
    error: { message: refusal.message, type: refusal.type, ...(refusal.code ? { code: refusal.code } : {}) },
  });

/**
 * What a gateway of a workspace out of credits is answered. The pinned gateway takes any 402 as
 * a billing error and shows its own words for it; the Autopilot's thread shows the room's.
 */
export const OUT_OF_CREDITS_MESSAGE =
  "This workspace is out of credits: its OpenClaw gateways may use the model again once credits are added (a top-up in Billing, or an operator's grant).";

export const outOfCredits = (): ModelRefusal =>
  new ModelRefusal(402, "payment_required", OUT_OF_CREDITS_MESSAGE, "payment_required");

export async function serveModelCall(call: ModelCall, deps: ModelRouteDeps): Promise<Response> {
  const startMs = Date.now();
  let ref: InstanceRef | undefined;
  try {
    ref = await deps.verify(bearer(call.authorization));
    if (!ref) throw new ModelRefusal(401, "invalid_api_key", "unknown or revoked instance credential");
    const caller = ref;
    if (call.method === "GET" && call.path === "/v1/models")
      return json(200, {
        object: "list",
        data: (deps.upstream.offered ?? [deps.upstream.modelId]).map((id) => ({
          id,
          object: "model",
          owned_by: "runtime",
        })),
      });
    if (call.method !== "POST" || call.path !== "/v1/chat/completions")
      throw new ModelRefusal(404, "not_found", "only POST /v1/chat/completions and GET /v1/models are served");
    // Before a slot is taken or the body read: a refused workspace's call costs nothing.
    if (!(await deps.spend(ref.workspaceId)).allowed) throw outOfCredits();
    const slot = await deps.acquire(ref);
    if (slot === null)
      throw new ModelRefusal(
        429,
        "rate_limit_exceeded",
        `at most ${MAX_CALLS_IN_FLIGHT_PER_INSTANCE} model calls at once per instance`,
      );
    let request: BoundedChatRequest;
    try {
      request = parseChatRequest(await readBounded(call.body, call.contentLength, MAX_REQUEST_BYTES), deps.upstream);
    } catch (error) {
      await deps.release(ref, slot);
      throw error;
    }
    const sent = JSON.stringify(request);
    const bound = {
      promptTokens: new TextEncoder().encode(sent).byteLength + 32,
      completionTokens: maxOutputTokensOf(deps.upstream),
    };
    // From here the call is forwarded: it ends exactly once, with its usage (bounded) or null.
    const stream = request.stream === true;
    return await forward(sent, stream, deps.upstream, call.signal, async (ended) => {
      try {
        const { usage, over } = boundedCall(ended.usage, bound);
        if (over)
          deps.log?.("model usage reported beyond what the call could use: counted the bound", {
            workspaceId: caller.workspaceId,
            instanceId: caller.instanceId,
            reported: ended.usage,
            counted: usage,
          });
        await deps.record(caller, usage);
        deps.traced?.({
          ref: caller,
          traceparent: call.traceparent,
          model: request.model,
          stream,
          startMs,
          endMs: Date.now(),
          ...ended,
          usage,
        });
      } finally {
        await deps.release(caller, slot);
      }
    });
  } catch (error) {
    if (error instanceof ModelRefusal) {
      // A known instance's refused call (out of credits, too many at once, a bad shape) is in its trace too.
      if (ref && error.status !== 404)
        deps.traced?.({
          ref,
          traceparent: call.traceparent,
          model: null,
          stream: false,
          startMs,
          endMs: Date.now(),
          usage: null,
          finishReason: null,
          status: error.status,
          error: error.message,
        });
      return refusalResponse(error);
    }
    deps.log?.("model pass-through failed", { error: (error as Error).message });
    return refusalResponse(new ModelRefusal(502, "upstream_error", "the model server could not be reached"));
  }
}

async function forward(
  body: string,
  stream: boolean,
  upstream: ModelProviderConfig,
  signal: AbortSignal | undefined,
  onEnd: (ended: CallEnd) => Promise<void>,
): Promise<Response> {
  let ended = false;
  const end = async (how: CallEnd) => {
    if (ended) return;
    ended = true;
    await onEnd(how);
  };
  const failed = (status: number) => (status >= 400 ? `the model server answered HTTP ${status}` : null);
  try {
    const timeout = AbortSignal.timeout(UPSTREAM_TIMEOUT_MS);
    const answer = await fetch(`${upstream.baseUrl}/chat/completions`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: stream ? "text/event-stream" : "application/json",
        ...(upstream.apiKey ? { authorization: `Bearer ${upstream.apiKey}` } : {}),
      },
      body,
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    });
    const contentType = answer.headers.get("content-type") ?? "application/json";
    const init = { status: answer.status, headers: { "content-type": contentType, "cache-control": "no-store" } };
    const status = answer.status;
    if (!answer.body || NULL_BODY_STATUSES.has(status)) {
      await answer.body?.cancel();
      await end({ usage: null, finishReason: null, status, error: failed(status) });
      return new Response(null, init);
    }
    if (contentType.includes("text/event-stream"))
      return new Response(
        metered(answer.body, (scanner, error) =>
          end({ usage: scanner.usage, finishReason: scanner.finishReason, status, error: error ?? failed(status) }),
        ),
        init,
      );
    const text = await readAnswer(answer.body);
    let usage: CallUsage | null = null;
    let finishReason: string | null = null;
    try {
      const parsed: unknown = JSON.parse(text);
      usage = usageOf(parsed);
      finishReason = finishReasonOf(parsed);
    } catch {
      // not JSON (an upstream error page): forwarded, not metered
    }
    await end({ usage, finishReason, status, error: failed(status) });
    return new Response(text, init);
  } catch (error) {
    await end({ usage: null, finishReason: null, status: null, error: "the model server could not be reached" });
    throw error;
  }
}

/**
 * The upstream stream as it is read by the gateway (pulled, so a slow gateway slows the
 * upstream read), watched for the usage chunk; ends the call when it finishes, fails or is
 * cancelled, before the last read completes.
 */
function metered(
  source: ReadableStream<Uint8Array>,
  end: (scanner: SseUsageScanner, error: string | null) => Promise<void>,
): ReadableStream<Uint8Array> {
  const reader = source.getReader();
  const scanner = new SseUsageScanner();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      let chunk: Awaited<ReturnType<typeof reader.read>>;
      try {
        chunk = await reader.read();
      } catch (error) {
        await end(scanner, "the model server's answer broke off");
        controller.error(error);
        return;
      }
      if (chunk.done) {
        await end(scanner, null);
        controller.close();
        return;
      }
      scanner.push(chunk.value);
      controller.enqueue(chunk.value);
    },
    async cancel(reason) {
      await end(scanner, "the gateway stopped reading the answer");
      await reader.cancel(reason).catch(() => undefined);
    },
  });
}

async function readAnswer(body: ReadableStream<Uint8Array>): Promise<string> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let text = "";
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return text + decoder.decode();
    size += value.length;
    if (size > MAX_JSON_ANSWER_BYTES) {
      await reader.cancel().catch(() => undefined);
      throw new Error(`the model's answer is larger than ${MAX_JSON_ANSWER_BYTES} bytes`);
    }
    text += decoder.decode(value, { stream: true });
  }
}
