// The model pass-through (process host): a loopback OpenAI-compatible endpoint the gateways
// call instead of the operator's model server. A gateway holds only its per-instance
// credential (model-credentials.ts); the pass-through swaps in the operator's key, pins the
// operator's model, forwards, streams the answer back, and counts the tokens per instance
// (usage-ledger.ts). The operator's key never leaves the runtime process.
//
// The pinned gateway (openai-completions provider) calls streaming POST /v1/chat/completions
// only; GET /v1/models is answered here with the one model. A gateway is hostile: the
// credential is checked first, the body is bounded and validated, a few calls may run at
// once per instance, and upstream calls time out.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { z } from "zod";
import type { InstanceRef } from "../../shared/runtime/requests";
import { refKey } from "./ids";
import type { ModelCredentials } from "./model-credentials";
import type { ModelProviderConfig } from "./model-config";
import { SseUsageScanner, usageOf } from "./model-usage";
import type { CallUsage, UsageLedger } from "./usage-ledger";

/** A long conversation with a dozen tool schemas stays far below this. */
export const MAX_REQUEST_BYTES = 8 * 1024 * 1024;
const MAX_JSON_ANSWER_BYTES = 16 * 1024 * 1024;
export const MAX_CALLS_IN_FLIGHT_PER_INSTANCE = 4;
/** The gateway itself gives up after its provider's timeoutSeconds (120, gateway-config.ts). */
const UPSTREAM_TIMEOUT_MS = 180_000;

const chatRequestSchema = z.looseObject({
  messages: z.array(z.unknown()).min(1).max(20_000),
  stream: z.boolean().optional(),
  stream_options: z.looseObject({}).optional(),
});

type Logger = (message: string, fields?: Record<string, unknown>) => void;

export interface ModelPassthroughOptions {
  upstream: ModelProviderConfig;
  credentials: ModelCredentials;
  ledger: UsageLedger;
  log?: Logger;
}

class Refusal extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

function bearer(header: string | undefined): string {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? "");
  return match?.[1] ?? "";
}

async function readBounded(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers["content-length"] ?? 0);
  if (declared > limit) throw new Refusal(413, "request_too_large", `request bodies are limited to ${limit} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new Refusal(413, "request_too_large", `request bodies are limited to ${limit} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function parseChatRequest(body: Buffer): z.infer<typeof chatRequestSchema> {
  let json: unknown;
  try {
    json = JSON.parse(body.toString("utf8"));
  } catch {
    throw new Refusal(400, "invalid_request_error", "the body is not JSON");
  }
  const parsed = chatRequestSchema.safeParse(json);
  if (!parsed.success) throw new Refusal(400, "invalid_request_error", `invalid chat completion request: ${parsed.error.issues[0]?.message ?? "bad shape"}`);
  return parsed.data;
}

const sendJson = (res: ServerResponse, status: number, body: unknown) => {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text), "cache-control": "no-store" });
  res.end(text);
};

const refuse = (res: ServerResponse, refusal: Refusal) => sendJson(res, refusal.status, { error: { message: refusal.message, type: refusal.type } });

/** What the process host needs to give a gateway its model (the pass-through, or a test's stand-in). */
export interface GatewayModelSource {
  /** The model a gateway start is given; issues a fresh per-instance credential. */
  gatewayModel(ref: InstanceRef): ModelProviderConfig;
  revoke(ref: InstanceRef): void;
}

export class ModelPassthrough implements GatewayModelSource {
  private readonly server: Server;
  private baseUrl: string | undefined;
  private readonly inFlight = new Map<string, number>();
  private readonly log: Logger;

  constructor(private readonly options: ModelPassthroughOptions) {
    this.log = options.log ?? (() => {});
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        if (error instanceof Refusal && !res.headersSent) return refuse(res, error);
        this.log("model pass-through failed", { error: (error as Error).message });
        if (!res.headersSent) refuse(res, new Refusal(502, "upstream_error", "the model server could not be reached"));
        else res.destroy();
      });
    });
  }

  /** Listens on loopback (any free port); resolves with the base URL gateways are given (…/v1). */
  listen(): Promise<string> {
    return new Promise((resolveUrl, reject) => {
      this.server.once("error", reject);
      this.server.listen(0, "127.0.0.1", () => {
        this.baseUrl = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1`;
        resolveUrl(this.baseUrl);
      });
    });
  }

  gatewayModel(ref: InstanceRef): ModelProviderConfig {
    if (!this.baseUrl) throw new Error("the model pass-through is not listening yet");
    return { baseUrl: this.baseUrl, apiKey: this.options.credentials.issue(ref), modelId: this.options.upstream.modelId };
  }

  revoke(ref: InstanceRef): void {
    this.options.credentials.revoke(ref);
  }

  close(): Promise<void> {
    const closed = new Promise<void>((resolveClosed) => this.server.close(() => resolveClosed()));
    this.server.closeAllConnections();
    return closed;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const ref = this.options.credentials.verify(bearer(req.headers.authorization));
    if (!ref) {
      req.resume();
      throw new Refusal(401, "invalid_api_key", "unknown or revoked instance credential");
    }
    const path = new URL(req.url ?? "/", "http://passthrough.invalid").pathname;
    const modelId = this.options.upstream.modelId;
    if (req.method === "GET" && path === "/v1/models") {
      req.resume();
      return sendJson(res, 200, { object: "list", data: [{ id: modelId, object: "model", owned_by: "runtime" }] });
    }
    if (req.method !== "POST" || path !== "/v1/chat/completions") {
      req.resume();
      throw new Refusal(404, "not_found", "only POST /v1/chat/completions and GET /v1/models are served");
    }
    const key = refKey(ref);
    const running = this.inFlight.get(key) ?? 0;
    if (running >= MAX_CALLS_IN_FLIGHT_PER_INSTANCE) {
      req.resume();
      throw new Refusal(429, "rate_limit_exceeded", `at most ${MAX_CALLS_IN_FLIGHT_PER_INSTANCE} model calls at once per instance`);
    }
    this.inFlight.set(key, running + 1);
    try {
      const request = parseChatRequest(await readBounded(req, MAX_REQUEST_BYTES));
      await this.forward(ref, request, res);
    } finally {
      const left = (this.inFlight.get(key) ?? 1) - 1;
      if (left > 0) this.inFlight.set(key, left);
      else this.inFlight.delete(key);
    }
  }

  private async forward(ref: InstanceRef, request: z.infer<typeof chatRequestSchema>, res: ServerResponse): Promise<void> {
    const { baseUrl, apiKey, modelId } = this.options.upstream;
    // The operator's model, whatever the gateway asked for; with a stream, ask for the usage
    // chunk (OpenAI sends it only when asked).
    const body = { ...request, model: modelId, ...(request.stream ? { stream_options: { ...request.stream_options, include_usage: true } } : {}) };
    const aborted = new AbortController();
    res.once("close", () => {
      if (!res.writableFinished) aborted.abort();
    });
    let usage: CallUsage | null = null;
    try {
      const upstream = await fetch(`${baseUrl}/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json", accept: request.stream ? "text/event-stream" : "application/json", ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}) },
        body: JSON.stringify(body),
        signal: AbortSignal.any([aborted.signal, AbortSignal.timeout(UPSTREAM_TIMEOUT_MS)]),
      });
      const contentType = upstream.headers.get("content-type") ?? "application/json";
      res.writeHead(upstream.status, { "content-type": contentType, "cache-control": "no-store" });
      if (!upstream.body) return void res.end();
      if (contentType.includes("text/event-stream")) {
        const scanner = new SseUsageScanner();
        for await (const chunk of upstream.body) {
          scanner.push(chunk);
          if (!res.write(chunk)) await new Promise((resolveDrain) => res.once("drain", resolveDrain));
        }
        usage = scanner.usage;
        res.end();
        return;
      }
      const text = await readAnswer(upstream.body);
      try {
        usage = usageOf(JSON.parse(text));
      } catch {
        // not JSON (an upstream error page): forwarded, not metered
      }
      res.end(text);
    } finally {
      this.options.ledger.record(ref, usage);
    }
  }
}

async function readAnswer(body: ReadableStream<Uint8Array>): Promise<string> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > MAX_JSON_ANSWER_BYTES) throw new Error(`the model's answer is larger than ${MAX_JSON_ANSWER_BYTES} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}
