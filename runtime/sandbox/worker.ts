// The runtime Worker (sandbox host, production): the same HTTP surface as the process host
// (runtime/src/api.ts serves both), backed by one @cloudflare/sandbox container per
// instance (sandbox-host.ts), a Durable Object for the instance records (registry-object.ts)
// and an R2 bucket for backups.
//
// Internal only: every request needs `Authorization: Bearer <RUNTIME_SERVICE_TOKEN>`. Give it
// no public route (reach it through a service binding or a private hostname).
import { getSandbox, Sandbox } from "@cloudflare/sandbox";
import type { InstanceRef } from "../../shared/runtime/requests";
import { createRuntimeApi, failResponse } from "../src/api";
import { bridgeGatewaySockets, type SocketLike } from "./gateway-socket";
import { loadSandboxConfig, type SandboxEnvVars } from "./sandbox-config";
import type { InstanceStoreLike } from "./instance-records";
import { InstanceRegistry, REGISTRY_NAME } from "./registry-object";
import type { BucketLike, SandboxFactory, SandboxLike } from "./sandbox-boundary";
import { SandboxHost } from "./sandbox-host";

// The container-backed Durable Object class named in wrangler.toml ([[containers]] class_name),
// and the one that keeps the instance records.
export { InstanceRegistry, Sandbox };

export interface Env extends SandboxEnvVars {
  Sandbox: DurableObjectNamespace<Sandbox>;
  INSTANCES: DurableObjectNamespace<InstanceRegistry>;
  BACKUPS: R2Bucket;
}

function log(message: string, fields: Record<string, unknown> = {}): void {
  console.log(JSON.stringify({ msg: message, ...fields }));
}

export function createSandboxHost(env: Env, config: ConstructorParameters<typeof SandboxHost>[0]): SandboxHost {
  // Type-checks the real SDK and R2 against the boundary the host (and its tests) use.
  const open: SandboxFactory = (id, options): SandboxLike => getSandbox(env.Sandbox, id, options);
  const bucket: BucketLike = env.BACKUPS;
  const records: InstanceStoreLike = env.INSTANCES.get(env.INSTANCES.idFromName(REGISTRY_NAME));
  return new SandboxHost(config, open, bucket, records, { log });
}

/**
 * `GET …/:id/gateway` with `Upgrade: websocket`: the caller's socket ends here (a
 * WebSocketPair), the gateway's socket comes from `sandbox.wsConnect`, and the two are piped
 * with the token injected into `connect` and masked on the way back.
 */
export async function proxyGateway(host: SandboxHost, ref: InstanceRef): Promise<Response> {
  const opened = await host.openGateway(ref);
  if (!opened.ok) return failResponse(opened.error);
  const pair = new WebSocketPair();
  const [client, server] = [pair[0], pair[1]];
  bridgeGatewaySockets(server as SocketLike, opened.value.upstream, opened.value.token);
  return new Response(null, { status: 101, webSocket: client });
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const loaded = loadSandboxConfig(env);
    if (!loaded.ok) return failResponse(loaded.error);
    const { serviceToken, ...config } = loaded.value;
    const host = createSandboxHost(env, config);
    const api = createRuntimeApi(host, {
      serviceToken,
      info: { host: "sandbox", model: config.model ? { id: config.model.modelId, baseUrl: config.model.baseUrl } : null },
      log,
      upgrade: (ref) => proxyGateway(host, ref),
    });
    return api.fetch(request);
  },
} satisfies ExportedHandler<Env>;
