// The HTTP API of the process host: Node's http server in front of the runtime's Hono app
// (api.ts). Requests carry no body any route reads, so only the method, URL and the
// Authorization header go through.
import type { IncomingMessage, ServerResponse } from "node:http";
import { createRuntimeApi, failResponse, type HealthInfo, type RuntimeApiOptions } from "./api";
import { runtimeError } from "./errors";
import type { RuntimeHost } from "./host";

type Logger = (message: string, fields?: Record<string, unknown>) => void;

export function createApiHandler(
  host: RuntimeHost,
  serviceToken: string,
  info: HealthInfo,
  log?: Logger,
  usage?: RuntimeApiOptions["usage"],
) {
  const app = createRuntimeApi(host, {
    serviceToken,
    info: { ...info, host: "process" },
    ...(log ? { log } : {}),
    ...(usage ? { usage } : {}),
  });
  return async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // Drain the body so keep-alive connections stay usable.
    req.resume();
    const headers = new Headers();
    if (typeof req.headers.authorization === "string") headers.set("authorization", req.headers.authorization);
    const request = toRequest(req, headers);
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

function toRequest(req: IncomingMessage, headers: Headers): Request | null {
  try {
    return new Request(new URL(req.url ?? "/", "http://runtime.invalid"), { method: req.method ?? "GET", headers });
  } catch {
    return null;
  }
}
