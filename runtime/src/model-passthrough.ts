// The model pass-through (process host): a loopback OpenAI-compatible endpoint the gateways
// call instead of the operator's model server. A gateway holds only its per-instance
// credential (model-credentials.ts); the shared handler (model-route.ts) checks it, bounds
// the request (model-request.ts), swaps in the operator's key and forwards; this file keeps
// what the process host keeps in memory (credentials, calls in flight), refuses the calls of a
// workspace out of credits (spend-policy.ts) and counts the tokens per instance into the
// ledger (usage-ledger.ts), and gives each call's span to model-traces.ts. The operator's key
// never leaves the runtime process.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as NodeReadableStream } from "node:stream/web";
import type { InstanceRef } from "../../shared/runtime/requests";
import { refKey } from "./ids";
import type { ModelCredentials } from "./model-credentials";
import type { ModelProviderConfig } from "./model-config";
import { MAX_CALLS_IN_FLIGHT_PER_INSTANCE, type ModelRouteDeps, serveModelCall } from "./model-route";
import type { ModelTraces } from "./model-traces";
import type { SpendPolicy } from "./spend-policy";
import type { UsageLedger } from "./usage-ledger";

type Logger = (message: string, fields?: Record<string, unknown>) => void;

export interface ModelPassthroughOptions {
  upstream: ModelProviderConfig;
  credentials: ModelCredentials;
  ledger: UsageLedger;
  spend: SpendPolicy;
  /** Where each call's span goes (model-traces.ts); absent: no spans. */
  traces?: ModelTraces;
  log?: Logger;
}

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
  private readonly deps: ModelRouteDeps;

  constructor(private readonly options: ModelPassthroughOptions) {
    this.log = options.log ?? (() => {});
    this.deps = {
      upstream: options.upstream,
      verify: (credential) => options.credentials.verify(credential),
      spend: (workspaceId) => options.spend.get(workspaceId),
      acquire: (ref) => {
        const key = refKey(ref);
        const running = this.inFlight.get(key) ?? 0;
        if (running >= MAX_CALLS_IN_FLIGHT_PER_INSTANCE) return null;
        this.inFlight.set(key, running + 1);
        return key;
      },
      release: (_ref, key) => {
        const left = (this.inFlight.get(key) ?? 1) - 1;
        if (left > 0) this.inFlight.set(key, left);
        else this.inFlight.delete(key);
      },
      record: (ref, usage) => void options.ledger.record(ref, usage),
      ...(options.traces ? { traced: (call) => options.traces?.record(call) } : {}),
      log: this.log,
    };
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        this.log("model pass-through failed", { error: (error as Error).message });
        if (!res.headersSent) {
          res.writeHead(500, { "content-type": "application/json" });
          res.end(JSON.stringify({ error: { message: "internal error", type: "server_error" } }));
        } else res.destroy();
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
    return {
      baseUrl: this.baseUrl,
      apiKey: this.options.credentials.issue(ref),
      modelId: this.options.upstream.modelId,
      ...(this.options.upstream.offered ? { offered: this.options.upstream.offered } : {}),
    };
  }

  revoke(ref: InstanceRef): void {
    this.options.credentials.revoke(ref);
  }

  async close(): Promise<void> {
    const closed = new Promise<void>((resolveClosed) => this.server.close(() => resolveClosed()));
    this.server.closeAllConnections();
    await closed;
    // What is queued goes out now (bounded by the export timeout), not lost with the process.
    await this.options.traces?.shutdown();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const gone = new AbortController();
    res.once("close", () => {
      if (!res.writableFinished) gone.abort();
    });
    const response = await serveModelCall(
      {
        method: req.method ?? "GET",
        path: new URL(req.url ?? "/", "http://passthrough.invalid").pathname,
        authorization: req.headers.authorization,
        contentLength: Number(req.headers["content-length"] ?? 0),
        body: req,
        signal: gone.signal,
        traceparent: typeof req.headers.traceparent === "string" ? req.headers.traceparent : undefined,
      },
      this.deps,
    );
    // A refused call's body was never read: drain it rather than leave it on the connection.
    if (!req.readableEnded) req.resume();
    res.writeHead(response.status, Object.fromEntries(response.headers));
    if (!response.body) return void res.end();
    try {
      // Ending early (the gateway went away) cancels the answer's stream, which ends the call.
      await pipeline(Readable.fromWeb(response.body as NodeReadableStream<Uint8Array>), res);
    } catch (error) {
      if (!gone.signal.aborted) this.log("model pass-through stream failed", { error: (error as Error).message });
      res.destroy();
    }
  }
}
