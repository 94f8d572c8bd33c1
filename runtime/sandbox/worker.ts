// The runtime Worker (sandbox host, production): the same HTTP surface as the process host
// (runtime/src/api.ts serves both), backed by one @cloudflare/sandbox container per
// instance (sandbox-host.ts), a Durable Object for the instance records (registry-object.ts)
// and an R2 bucket for backups. It also serves the containers' model pass-through
// (model-egress.ts), as the Sandbox class's outbound route: the operator's model key stays
// in this Worker.
//
// Internal only: every request needs `Authorization: Bearer <RUNTIME_SERVICE_TOKEN>` (the
// operator) or the workspace's credential derived from RUNTIME_TENANT_KEY (the rooms'
// Worker; runtime/src/auth.ts). Give it no public route (reach it through a service binding or a private hostname).
import { ContainerProxy, getSandbox, Sandbox as SdkSandbox } from "@cloudflare/sandbox";
import { DEVICE_ADDRESS_HEADER, type InstanceRef } from "../../shared/runtime/requests";
import { createRuntimeApi, failResponse } from "../src/api";
import { resolveModel } from "../src/model-config";
import { ModelRefusal } from "../src/model-request";
import { refusalResponse } from "../src/model-route";
import { bridgeGatewaySockets, type SocketLike } from "./gateway-socket";
import { loadSandboxConfig, type SandboxEnvVars } from "./sandbox-config";
import { MODEL_EGRESS_HOST, serveModelEgress } from "./model-egress";
import { registrySpend, registryUsage } from "./model-records";
import { InstanceRegistry, REGISTRY_NAME } from "./registry-object";
import type { BucketLike, SandboxFactory, SandboxLike } from "./sandbox-boundary";
import { SandboxHost } from "./sandbox-host";

/** The container-backed Durable Object class named in wrangler.toml ([[containers]] class_name). */
export class Sandbox extends SdkSandbox<Env> {}

// A container's requests to MODEL_EGRESS_HOST are handed to this Worker (the platform's
// outbound interception; it needs ContainerProxy exported below). Set on the class, not as a
// class field: the SDK keeps handlers in a registry its setter fills.
Sandbox.outboundByHost = {
  [MODEL_EGRESS_HOST]: (request: Request, env: unknown, ctx: { containerId: string }) =>
    modelEgress(request, env as Env, ctx.containerId),
};

// The registry object (instance records, model credentials and usage), and the entrypoint the
// platform routes intercepted container requests through.
export { ContainerProxy, InstanceRegistry };

export interface Env extends SandboxEnvVars {
  Sandbox: DurableObjectNamespace<Sandbox>;
  INSTANCES: DurableObjectNamespace<InstanceRegistry>;
  BACKUPS: R2Bucket;
}

function log(message: string, fields: Record<string, unknown> = {}): void {
  console.log(JSON.stringify({ msg: message, ...fields }));
}

const registryOf = (env: Env) => env.INSTANCES.get(env.INSTANCES.idFromName(REGISTRY_NAME));

export function createSandboxHost(env: Env, config: ConstructorParameters<typeof SandboxHost>[0]): SandboxHost {
  // Type-checks the real SDK and R2 against the boundary the host (and its tests) use.
  const open: SandboxFactory = (id, options): SandboxLike => getSandbox(env.Sandbox, id, options);
  const bucket: BucketLike = env.BACKUPS;
  return new SandboxHost(config, open, bucket, registryOf(env), { log });
}

/** The model pass-through, for a request a container sent to MODEL_EGRESS_HOST. */
function modelEgress(request: Request, env: Env, containerId: string): Promise<Response> | Response {
  const model = resolveModel(env);
  if (!model.ok || !model.value)
    return refusalResponse(new ModelRefusal(503, "model_not_configured", "the runtime has no model configured"));
  return serveModelEgress(request, containerId, {
    store: registryOf(env),
    upstream: model.value,
    // getSandbox opens a sandbox by this name (sandbox ids are lower-case already).
    containerIdOf: (sandboxId) => env.Sandbox.idFromName(sandboxId).toString(),
    log,
  });
}

/**
 * `GET …/:id/gateway` with `Upgrade: websocket`: the caller's socket ends here (a
 * WebSocketPair), the gateway's socket comes from `sandbox.wsConnect`, and the two are piped
 * with the token injected into `connect` and masked on the way back. `…/:id/device` (the
 * device entry) pipes the same way with nothing injected: a device brings its own pairing.
 */
export async function proxyGateway(
  host: SandboxHost,
  ref: InstanceRef,
  route: "gateway" | "device" = "gateway",
  deviceAddress: string | null = null,
): Promise<Response> {
  const opened = await host.openGateway(ref, route, deviceAddress);
  if (!opened.ok) return failResponse(opened.error);
  const pair = new WebSocketPair();
  const [client, server] = [pair[0], pair[1]];
  bridgeGatewaySockets(server as SocketLike, opened.value.upstream, opened.value.token, {
    inject: route === "gateway",
  });
  return new Response(null, { status: 101, webSocket: client });
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const loaded = loadSandboxConfig(env);
    if (!loaded.ok) return failResponse(loaded.error);
    const { serviceToken, tenantKeys, ...config } = loaded.value;
    const host = createSandboxHost(env, config);
    const api = createRuntimeApi(host, {
      serviceToken,
      tenantKeys,
      info: {
        host: "sandbox",
        model: config.model ? { id: config.model.modelId, baseUrl: config.model.baseUrl } : null,
      },
      log,
      upgrade: (ref, request, route) => proxyGateway(host, ref, route, request.headers.get(DEVICE_ADDRESS_HEADER)),
      usage: registryUsage(registryOf(env)),
      spend: registrySpend(registryOf(env)),
    });
    return api.fetch(request);
  },
} satisfies ExportedHandler<Env>;
