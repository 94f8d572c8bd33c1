// The HTTP API of the process host: a Node adapter over the shared request handler (api.ts).
// Every request needs the service token; every answer is one envelope.
import type { IncomingMessage, ServerResponse } from "node:http";
import { handleApiRequest, type HealthInfo } from "./api";
import type { RuntimeHost } from "./host";

export { RUNTIME_API_VERSION, type HealthInfo } from "./api";

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string>): void {
  const text = JSON.stringify(body);
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

export function createApiHandler(host: RuntimeHost, serviceToken: string, info: HealthInfo) {
  return async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // Bodies are not used by any route: drain so keep-alive connections stay usable.
    req.resume();
    const authorization = req.headers.authorization;
    const answer = await handleApiRequest(host, serviceToken, { ...info, host: "process" }, { method: req.method ?? "GET", url: req.url ?? "/", authorization });
    send(res, answer.status, answer.body, answer.headers);
  };
}
