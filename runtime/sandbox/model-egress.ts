// The sandbox host's model pass-through: the containers' way to the operator's model, without
// the operator's key ever entering a container. Each gateway's provider base URL is
// MODEL_EGRESS_BASE_URL, a host name that exists only as an outbound route of the Sandbox
// class (`outboundByHost`, worker.ts): the platform hands a container's request to it to
// this Worker code, outside the container, together with the id of the container that sent
// it. The request then goes through the same handler as the process host's pass-through
// (runtime/src/model-route.ts: credential, the workspace's spend, call slots, the allowlist and
// output cap, the operator's key swapped in, usage counted), with what it keeps in the registry Durable
// Object (model-records.ts).
//
// Each gateway start gets a fresh random credential (`oc-…`, in the gateway's environment
// only); the registry keeps its SHA-256 and which instance and sandbox it belongs to. A new
// start replaces it and a delete revokes it. A credential is accepted only from its own
// instance's container.
import type { InstanceRef } from "../../shared/runtime/requests";
import type { ModelProviderConfig } from "../src/model-config";
import {
  MAX_CALLS_IN_FLIGHT_PER_INSTANCE,
  type ModelRouteDeps,
  serveModelCall,
  UPSTREAM_TIMEOUT_MS,
} from "../src/model-route";
import type { CredentialOwner, ModelStoreLike } from "./model-records";
import { generateToken } from "./sandbox-container";

/** Exists only as the Sandbox class's outbound route; plain HTTP, as the request never leaves Cloudflare's side of the container. */
export const MODEL_EGRESS_HOST = "model-passthrough.internal";
export const MODEL_EGRESS_BASE_URL = `http://${MODEL_EGRESS_HOST}/v1`;
/** A call slot left taken (the Worker went away mid-call) lapses after the longest a call may run. */
const CALL_LEASE_MS = UPSTREAM_TIMEOUT_MS + 60_000;
const MAX_CREDENTIAL_LENGTH = 256;

type Logger = (message: string, fields?: Record<string, unknown>) => void;

export async function credentialHash(credential: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(credential));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** A fresh credential for a gateway start; it works once issued. */
export const newModelCredential = (): string => `oc-${generateToken()}`;

/** Makes the credential the instance's one: the previous one stops working. */
export async function issueModelCredential(
  store: ModelStoreLike,
  owner: CredentialOwner,
  credential: string,
): Promise<void> {
  await store.issueModelCredential(owner, await credentialHash(credential));
}

export interface ModelEgressDeps {
  store: ModelStoreLike;
  /** The operator's endpoint, key, model and output cap. */
  upstream: ModelProviderConfig;
  /** A sandbox's Durable Object id: what the platform reports as the container a request came from. */
  containerIdOf(sandboxId: string): string;
  log?: Logger;
}

async function* chunksOf(body: ReadableStream<Uint8Array> | null): AsyncIterable<Uint8Array> {
  if (!body) return;
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    // Stopped early (a body past the bound): the rest is not read.
    await reader.cancel().catch(() => undefined);
  }
}

/** A container's request to MODEL_EGRESS_HOST; `containerId` is the platform's word for which container sent it. */
export function serveModelEgress(request: Request, containerId: string, deps: ModelEgressDeps): Promise<Response> {
  const route: ModelRouteDeps = {
    upstream: deps.upstream,
    verify: async (credential): Promise<InstanceRef | undefined> => {
      if (credential.length === 0 || credential.length > MAX_CREDENTIAL_LENGTH) return undefined;
      const owner = await deps.store.modelCredentialOwner(await credentialHash(credential));
      if (!owner) return undefined;
      // Copied out of its container, a credential is of no use from another one.
      if (deps.containerIdOf(owner.sandboxId) !== containerId) {
        deps.log?.("model credential used from another container", {
          instance: `${owner.workspaceId}/${owner.instanceId}`,
        });
        return undefined;
      }
      return { workspaceId: owner.workspaceId, instanceId: owner.instanceId };
    },
    spend: (workspaceId) => deps.store.workspaceSpend(workspaceId),
    acquire: (ref) => deps.store.acquireModelCall(ref, MAX_CALLS_IN_FLIGHT_PER_INSTANCE, CALL_LEASE_MS),
    release: (ref, slot) => deps.store.releaseModelCall(ref, slot),
    record: (ref, usage) => deps.store.recordModelUsage(ref, usage),
    ...(deps.log ? { log: deps.log } : {}),
  };
  return serveModelCall(
    {
      method: request.method,
      path: new URL(request.url).pathname,
      authorization: request.headers.get("authorization"),
      contentLength: Number(request.headers.get("content-length") ?? 0),
      body: chunksOf(request.body),
    },
    route,
  );
}
