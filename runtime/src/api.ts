// The runtime API, independent of the server it runs in: request → envelope answer. The
// process host's Node server (http-api.ts) and the sandbox host's Worker
// (runtime/sandbox/worker.ts) both answer through this one function, so the two hosts
// expose the same routes, the same service-token check, the same envelope and error codes.
import { isAuthorized } from "./auth";
import { errorEnvelope, okEnvelope, statusFor } from "./envelope";
import { runtimeError, type Result, type RuntimeError } from "./errors";
import type { RuntimeHost } from "./host";
import { validateRef, validateWorkspaceId } from "./ids";
import { matchRoute, ROUTE_METHODS } from "./routes";

export const RUNTIME_API_VERSION = "1";
/** Upper bound for `?waitMs=` long polls on the status route. */
export const MAX_WAIT_MS = 60_000;

export interface HealthInfo {
  /** The model gateways are configured with, or null: then chat fails inside the gateway with "No route-compatible authentication source is configured for openai". */
  model: { id: string; baseUrl: string } | null;
}

export interface ApiRequest {
  method: string;
  /** Path and query (or a full URL). */
  url: string;
  authorization: string | null | undefined;
}

export interface ApiResponse {
  status: number;
  body: unknown;
  headers: Record<string, string>;
}

const answer = (status: number, body: unknown, headers: Record<string, string> = {}): ApiResponse => ({ status, body, headers });
const fail = (error: RuntimeError, headers: Record<string, string> = {}): ApiResponse => answer(statusFor(error), errorEnvelope(error), headers);
const fromResult = <T>(result: Result<T>, okStatus = 200): ApiResponse => (result.ok ? answer(okStatus, okEnvelope(result.value)) : fail(result.error));

export const UNAUTHENTICATED = runtimeError("unauthenticated", "missing or wrong service token (Authorization: Bearer <token>)");

/** The service-token check of every request (HTTP and WebSocket upgrade). */
export function authorize(authorization: string | null | undefined, serviceToken: string): ApiResponse | undefined {
  return isAuthorized({ authorization: authorization ?? undefined }, serviceToken) ? undefined : fail(UNAUTHENTICATED, { "www-authenticate": "Bearer" });
}

function intParam(url: URL, name: string): number | undefined {
  const raw = url.searchParams.get(name);
  if (raw === null) return undefined;
  const value = Number(raw);
  return Number.isInteger(value) && value >= 0 ? value : Number.NaN;
}

export async function handleApiRequest(host: RuntimeHost, serviceToken: string, info: HealthInfo & { host: "process" | "sandbox" }, req: ApiRequest): Promise<ApiResponse> {
  // Authentication comes first, before the path is even looked at.
  const denied = authorize(req.authorization, serviceToken);
  if (denied) return denied;
  const url = new URL(req.url, "http://runtime.invalid");
  const route = matchRoute(url.pathname);
  if (!route) return fail(runtimeError("not_found", `no route ${url.pathname}`));
  const method = req.method;
  if (!ROUTE_METHODS[route.kind].includes(method)) {
    return fail(runtimeError("method_not_allowed", `${method} is not allowed here; use ${ROUTE_METHODS[route.kind].join(", ")}`), { allow: ROUTE_METHODS[route.kind].join(", ") });
  }

  if (route.kind === "health") {
    return answer(200, okEnvelope({ status: "ok", apiVersion: RUNTIME_API_VERSION, host: info.host, gateways: { active: await host.activeCount(), max: host.maxGateways }, model: info.model }));
  }
  if (route.kind === "list") {
    const ws = validateWorkspaceId(route.workspaceId);
    if (!ws.ok) return fail(ws.error);
    return answer(200, okEnvelope({ instances: await host.list(ws.value) }));
  }
  if (route.kind === "gateway") {
    // Reached only without an Upgrade header (upgrades go to the WebSocket proxy).
    return fail(runtimeError("invalid_request", "this route is a WebSocket: send Upgrade: websocket"));
  }
  const ref = validateRef(route.workspaceId, route.instanceId);
  if (!ref.ok) return fail(ref.error);

  switch (route.kind) {
    case "instance": {
      if (method === "PUT") {
        const outcome = await host.provision(ref.value);
        if (!outcome.ok) return fail(outcome.error);
        return answer(outcome.value.started ? 202 : 200, okEnvelope(outcome.value.status));
      }
      if (method === "DELETE") {
        const deleted = await host.delete(ref.value);
        if (!deleted.ok) return fail(deleted.error);
        const archive = deleted.value.archive && { name: deleted.value.archive.name, sizeBytes: deleted.value.archive.sizeBytes, createdAt: deleted.value.archive.createdAt };
        return answer(200, okEnvelope({ ...deleted.value, archive }));
      }
      const waitMs = intParam(url, "waitMs");
      const sinceVersion = intParam(url, "sinceVersion");
      if (Number.isNaN(waitMs) || Number.isNaN(sinceVersion)) return fail(runtimeError("invalid_request", "waitMs and sinceVersion must be non-negative integers"));
      if (waitMs !== undefined && sinceVersion !== undefined) {
        return fromResult(await host.waitForChange(ref.value, sinceVersion, Math.min(waitMs, MAX_WAIT_MS)));
      }
      return fromResult(await host.status(ref.value));
    }
    case "restart":
      return fromResult(await host.restart(ref.value), 202);
    case "credentials":
      // The gateway token, for the service-token holder only (the Autopilot's device identity
      // signs over it). Every answer is already `cache-control: no-store`.
      return fromResult(await host.credentials(ref.value));
    case "backups": {
      // `path` is where the host keeps the archive (a local path or an object key): internal.
      if (method === "GET") return answer(200, okEnvelope({ backups: (await host.listBackups(ref.value)).map(({ path: _path, ...info }) => info) }));
      const created = await host.backup(ref.value);
      if (!created.ok) return fail(created.error);
      const { path: _path, ...backup } = created.value;
      return answer(201, okEnvelope(backup));
    }
  }
}
