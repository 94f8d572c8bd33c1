// The HTTP API. Every request needs the service token; every answer is one envelope.
import type { IncomingMessage, ServerResponse } from "node:http";
import { isAuthorized } from "./auth";
import { errorEnvelope, okEnvelope, statusFor } from "./envelope";
import { runtimeError, type Result, type RuntimeError } from "./errors";
import { validateRef, validateWorkspaceId } from "./ids";
import type { ProcessHost } from "./process-host";
import { matchRoute, ROUTE_METHODS } from "./routes";

export const RUNTIME_API_VERSION = "1";
/** Upper bound for `?waitMs=` long polls on the status route. */
const MAX_WAIT_MS = 60_000;

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

function sendError(res: ServerResponse, error: RuntimeError, extraHeaders: Record<string, string> = {}): void {
  for (const [name, value] of Object.entries(extraHeaders)) res.setHeader(name, value);
  send(res, statusFor(error), errorEnvelope(error));
}

function sendResult<T>(res: ServerResponse, result: Result<T>, okStatus = 200): void {
  if (result.ok) send(res, okStatus, okEnvelope(result.value));
  else sendError(res, result.error);
}

function intParam(url: URL, name: string): number | undefined {
  const raw = url.searchParams.get(name);
  if (raw === null) return undefined;
  const value = Number(raw);
  return Number.isInteger(value) && value >= 0 ? value : Number.NaN;
}

export interface HealthInfo {
  /** The model gateways are configured with, or null: then chat fails inside the gateway with "No route-compatible authentication source is configured for openai". */
  model: { id: string; baseUrl: string } | null;
}

export function createApiHandler(host: ProcessHost, serviceToken: string, info: HealthInfo) {
  return async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // Authentication comes first, before the path is even looked at.
    if (!isAuthorized(req.headers, serviceToken)) {
      return sendError(res, runtimeError("unauthenticated", "missing or wrong service token (Authorization: Bearer <token>)"), { "www-authenticate": "Bearer" });
    }
    const url = new URL(req.url ?? "/", "http://runtime.invalid");
    const route = matchRoute(url.pathname);
    if (!route) return sendError(res, runtimeError("not_found", `no route ${url.pathname}`));
    const method = req.method ?? "GET";
    if (!ROUTE_METHODS[route.kind].includes(method)) {
      return sendError(res, runtimeError("method_not_allowed", `${method} is not allowed here; use ${ROUTE_METHODS[route.kind].join(", ")}`), { allow: ROUTE_METHODS[route.kind].join(", ") });
    }
    // Bodies are not used by any route: drain so keep-alive connections stay usable.
    req.resume();

    if (route.kind === "health") {
      return send(res, 200, okEnvelope({ status: "ok", apiVersion: RUNTIME_API_VERSION, host: "process", gateways: { active: host.activeCount(), max: host.maxGateways }, model: info.model }));
    }
    if (route.kind === "list") {
      const ws = validateWorkspaceId(route.workspaceId);
      if (!ws.ok) return sendError(res, ws.error);
      return send(res, 200, okEnvelope({ instances: host.list(ws.value) }));
    }
    if (route.kind === "gateway") {
      // Reached only without an Upgrade header (upgrades go to the WebSocket proxy).
      return sendError(res, runtimeError("invalid_request", "this route is a WebSocket: send Upgrade: websocket"));
    }
    const ref = validateRef(route.workspaceId, route.instanceId);
    if (!ref.ok) return sendError(res, ref.error);

    switch (route.kind) {
      case "instance": {
        if (method === "PUT") {
          const outcome = await host.provision(ref.value);
          if (!outcome.ok) return sendError(res, outcome.error);
          return send(res, outcome.value.started ? 202 : 200, okEnvelope(outcome.value.status));
        }
        if (method === "DELETE") {
          const deleted = await host.delete(ref.value);
          if (!deleted.ok) return sendError(res, deleted.error);
          const archive = deleted.value.archive && { name: deleted.value.archive.name, sizeBytes: deleted.value.archive.sizeBytes, createdAt: deleted.value.archive.createdAt };
          return send(res, 200, okEnvelope({ ...deleted.value, archive }));
        }
        const waitMs = intParam(url, "waitMs");
        const sinceVersion = intParam(url, "sinceVersion");
        if (Number.isNaN(waitMs) || Number.isNaN(sinceVersion)) return sendError(res, runtimeError("invalid_request", "waitMs and sinceVersion must be non-negative integers"));
        if (waitMs !== undefined && sinceVersion !== undefined) {
          return sendResult(res, await host.waitForChange(ref.value, sinceVersion, Math.min(waitMs, MAX_WAIT_MS)));
        }
        return sendResult(res, host.status(ref.value));
      }
      case "restart": {
        const restarted = await host.restart(ref.value);
        return sendResult(res, restarted, 202);
      }
      case "backups": {
        if (method === "GET") return send(res, 200, okEnvelope({ backups: host.listBackups(ref.value).map(({ path: _path, ...info }) => info) }));
        const created = await host.backup(ref.value);
        if (!created.ok) return sendError(res, created.error);
        const { path: _path, ...info } = created.value;
        return send(res, 201, okEnvelope(info));
      }
    }
  };
}
