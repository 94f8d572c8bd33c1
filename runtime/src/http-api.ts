// The HTTP API of the process host: Node's http server in front of the runtime's Hono app
// (api.ts). Requests carry no body any route reads, so only the method, URL and the
// Authorization header go through.
import type { IncomingMessage, ServerResponse } from "node:http";
import { createRuntimeApi, type HealthInfo } from "./api";
import type { RuntimeHost } from "./host";

type Logger = (message: string, fields?: Record<string, unknown>) => void;

export function createApiHandler(host: RuntimeHost, serviceToken: string, info: HealthInfo, log?: Logger) {
  const app = createRuntimeApi(host, { serviceToken, info: { ...info, host: "process" }, ...(log ? { log } : {}) });
  return async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // Drain the body so keep-alive connections stay usable.
    req.resume();
    const headers = new Headers();
    if (typeof req.headers.authorization === "string") headers.set("authorization", req.headers.authorization);
    const response = await app.fetch(new Request(new URL(req.url ?? "/", "http://runtime.invalid"), { method: req.method ?? "GET", headers }));
    const text = await response.text();
    response.headers.forEach((value, name) => res.setHeader(name, value));
    res.writeHead(response.status, { "content-length": Buffer.byteLength(text) });
    res.end(text);
  };
}
