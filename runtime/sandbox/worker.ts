// The runtime Worker (sandbox host, production): the same HTTP surface as the process host
// (runtime/src/api.ts answers both), backed by one @cloudflare/sandbox container per
// instance (sandbox-host.ts) and an R2 bucket for records and backups.
//
// Internal only: every request needs `Authorization: Bearer <RUNTIME_SERVICE_TOKEN>`. Give it
// no public route (reach it through a service binding or a private hostname).
import { getSandbox, Sandbox } from "@cloudflare/sandbox";
import { authorize, handleApiRequest, type ApiResponse } from "../src/api";
import { errorEnvelope, statusFor } from "../src/envelope";
import { runtimeError, type RuntimeError } from "../src/errors";
import { validateRef } from "../src/ids";
import { matchRoute } from "../src/routes";
import { bridgeGatewaySockets, type SocketLike } from "./gateway-socket";
import { loadSandboxConfig, type SandboxEnvVars } from "./sandbox-config";
import { SandboxHost, type BucketLike, type SandboxFactory, type SandboxLike } from "./sandbox-host";

// The container-backed Durable Object class named in wrangler.toml ([[containers]] class_name).
export { Sandbox };

export interface Env extends SandboxEnvVars {
  Sandbox: DurableObjectNamespace<Sandbox>;
  BACKUPS: R2Bucket;
}

function json(answer: ApiResponse): Response {
  return new Response(JSON.stringify(answer.body), { status: answer.status, headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store", ...answer.headers } });
}

const fail = (error: RuntimeError): Response => json({ status: statusFor(error), body: errorEnvelope(error), headers: {} });

function log(message: string, fields: Record<string, unknown> = {}): void {
  console.log(JSON.stringify({ msg: message, ...fields }));
}

export function createSandboxHost(env: Env, config: ConstructorParameters<typeof SandboxHost>[0]): SandboxHost {
  // Type-checks the real SDK and R2 against the boundary the host (and its tests) use.
  const open: SandboxFactory = (id, options): SandboxLike => getSandbox(env.Sandbox, id, options);
  const bucket: BucketLike = env.BACKUPS;
  return new SandboxHost(config, open, bucket, { log });
}

/**
 * `GET …/:id/gateway` with `Upgrade: websocket`: the caller's socket ends here (a
 * WebSocketPair), the gateway's socket comes from `sandbox.wsConnect`, and the two are piped
 * with the token injected into `connect` and masked on the way back.
 */
export async function proxyGateway(host: SandboxHost, request: Request): Promise<Response> {
  const route = matchRoute(new URL(request.url).pathname);
  if (!route || route.kind !== "gateway") return fail(runtimeError("not_found", "WebSocket upgrades are only served at /v1/workspaces/:ws/instances/:id/gateway"));
  const ref = validateRef(route.workspaceId, route.instanceId);
  if (!ref.ok) return fail(ref.error);
  const opened = await host.openGateway(ref.value);
  if (!opened.ok) return fail(opened.error);
  const pair = new WebSocketPair();
  const [client, server] = [pair[0], pair[1]];
  bridgeGatewaySockets(server as SocketLike, opened.value.upstream, opened.value.token);
  return new Response(null, { status: 101, webSocket: client });
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const loaded = loadSandboxConfig(env);
    if (!loaded.ok) return fail(loaded.error);
    const { serviceToken, ...config } = loaded.value;
    // Authentication comes first, for upgrades too.
    const denied = authorize(request.headers.get("authorization"), serviceToken);
    if (denied) return json(denied);
    const host = createSandboxHost(env, config);
    try {
      if (request.headers.get("upgrade")?.toLowerCase() === "websocket") return await proxyGateway(host, request);
      const url = new URL(request.url);
      const answer = await handleApiRequest(host, serviceToken, { host: "sandbox", model: config.model ? { id: config.model.modelId, baseUrl: config.model.baseUrl } : null }, {
        method: request.method,
        url: `${url.pathname}${url.search}`,
        authorization: request.headers.get("authorization"),
      });
      return json(answer);
    } catch (error) {
      log("request failed", { method: request.method, path: new URL(request.url).pathname, error: (error as Error).message });
      return fail(runtimeError("internal", "internal error"));
    }
  },
} satisfies ExportedHandler<Env>;
