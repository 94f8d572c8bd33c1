// The HTTP API of the process host: Node's http server in front of the runtime's Hono app
// (api.ts). Only the method, URL, the Authorization header and a small body (the spend
// route's; at most MAX_API_BODY_BYTES are read, the rest is drained) go through.
import type { IncomingMessage, ServerResponse } from "node:http";
import { createRuntimeApi, failResponse, type HealthInfo, MAX_API_BODY_BYTES, type RuntimeApiOptions } from "./api";
import { type RuntimeAuth, runtimeAuthOf } from "./auth";
import { runtimeError } from "./errors";
import type { RuntimeHost } from "./host";

type Logger = (message: string, fields?: Record<string, unknown>) => void;

export function createApiHandler(
  host: RuntimeHost,
  auth: string | RuntimeAuth,
  info: HealthInfo,
  log?: Logger,
  usage?: RuntimeApiOptions["usage"],
  spend?: RuntimeApiOptions["spend"],
) {
  const app = createRuntimeApi(host, {
    ...runtimeAuthOf(auth),
    info: { ...info, host: "process" },
    ...(log ? { log } : {}),
    ...(usage ? { usage } : {}),
    ...(spend ? { spend } : {}),
  });
  return async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // Read at most a small body, and drain the rest so keep-alive connections stay usable.
    const body = await readSmallBody(req, MAX_API_BODY_BYTES);
    const headers = new Headers();
    if (typeof req.headers.authorization === "string") headers.set("authorization", req.headers.authorization);
    for (const name of ["content-type", "content-length"] as const) {
      const value = req.headers[name];
      if (typeof value === "string") headers.set(name, value);
    }
    const request = toRequest(req, headers, body);
    // A method (TRACE, CONNECT) or target that fetch's Request refuses: no route takes it.
    const response = request
      ? await app.fetch(request)
      : failResponse(runtimeError("method_not_allowed", `${String(req.method).slice(0, 16)} is not allowed`));
    const text = await response.text();
    for (const [name, value] of response.headers) res.setHeader(name, value);
    res.writeHead(response.status, { "content-length": Buffer.byteLength(text) });
    res.end(text);
  };
}

/** The body's first `limit + 1` bytes at most (enough for a route to see it is too large); the rest is drained. */
function readSmallBody(req: IncomingMessage, limit: number): Promise<Uint8Array> {
  return new Promise((resolveBody) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      if (size > limit) return;
      chunks.push(chunk);
      size += chunk.length;
    });
    const done = () => resolveBody(new Uint8Array(Buffer.concat(chunks).subarray(0, limit + 1)));
    req.once("end", done);
    req.once("error", done);
  });
}

function toRequest(req: IncomingMessage, headers: Headers, body: Uint8Array): Request | null {
  const method = req.method ?? "GET";
  try {
    return new Request(new URL(req.url ?? "/", "http://runtime.invalid"), {
      method,
      headers,
      ...(body.length > 0 && method !== "GET" && method !== "HEAD" ? { body } : {}),
    });
  } catch {
    return null;
  }
}
