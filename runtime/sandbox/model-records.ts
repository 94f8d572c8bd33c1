// What the sandbox host's model pass-through (model-egress.ts) keeps, in the registry Durable
// Object beside the instance records (same synchronous KV, so each call below is atomic):
//   _model/credential/<sha-256>            the instance (and sandbox) a credential belongs to
//   _model/credential-of/<ws>/<instance>   that hash, so a new start or a delete revokes it
//   _model/calls/<ws>/<instance>           the call slots in use, each with an expiry
//   _model/usage/<ws>/<instance>           the tokens counted (kept after delete: billing)
//   _model/spend/<ws>                      whether the workspace's gateways may spend (shared/runtime/spend.ts)
// Workspace ids never start with "_", so none of these keys can meet an instance record's.
// Only a credential's hash is kept; the credential itself lives in the gateway's environment.
import type { InstanceRef } from "../../shared/runtime/requests";
import { SPEND_ALLOWED, type SpendRequest, type SpendState, spendStateOf } from "../../shared/runtime/spend";
import { EMPTY_USAGE, type InstanceUsage, type ModelUsage } from "../../shared/runtime/usage";
import type { RuntimeApiOptions } from "../src/api";
import { addCall, type CallUsage } from "../src/model-usage";
import type { SyncKvLike } from "./instance-records";

export const MODEL_KEY_PREFIX = "_model/";

export interface CredentialOwner extends InstanceRef {
  sandboxId: string;
}

/** The registry's model methods, as the host and the egress route use them (over RPC, so async). */
export interface ModelStoreLike {
  /** Stores a new credential's hash for the instance; its previous one stops working. */
  issueModelCredential(owner: CredentialOwner, hash: string): Promise<void>;
  revokeModelCredential(ref: InstanceRef): Promise<void>;
  modelCredentialOwner(hash: string): Promise<CredentialOwner | null>;
  /** A call slot, or null when `limit` are in use; a slot not released lapses after `leaseMs`. */
  acquireModelCall(ref: InstanceRef, limit: number, leaseMs: number): Promise<string | null>;
  releaseModelCall(ref: InstanceRef, slot: string): Promise<void>;
  recordModelUsage(ref: InstanceRef, usage: CallUsage | null): Promise<void>;
  modelUsage(ref: InstanceRef): Promise<ModelUsage | null>;
  modelUsageList(workspaceId: string): Promise<InstanceUsage[]>;
  /** What the Autopilot room last said of the workspace's spending (allowed when it never did). */
  workspaceSpend(workspaceId: string): Promise<SpendState>;
  setWorkspaceSpend(workspaceId: string, request: SpendRequest): Promise<SpendState>;
}

/** What the spend routes (`GET`/`PUT /v1/workspaces/:ws/spend`) serve on the sandbox host: the registry's record. */
export function registrySpend(store: ModelStoreLike): NonNullable<RuntimeApiOptions["spend"]> {
  return {
    get: (workspaceId) => store.workspaceSpend(workspaceId),
    set: (workspaceId, request) => store.setWorkspaceSpend(workspaceId, request),
  };
}

/** What the usage routes (`GET …/:id/usage`, `GET /v1/workspaces/:ws/usage`) serve on the sandbox host: the registry's counts. */
export function registryUsage(store: ModelStoreLike): NonNullable<RuntimeApiOptions["usage"]> {
  return {
    get: async (ref) => (await store.modelUsage(ref)) ?? undefined,
    list: (workspaceId) => store.modelUsageList(workspaceId),
  };
}

const refPath = (ref: InstanceRef) => `${ref.workspaceId}/${ref.instanceId}`;
const credentialKey = (hash: string) => `${MODEL_KEY_PREFIX}credential/${hash}`;
const credentialOfKey = (ref: InstanceRef) => `${MODEL_KEY_PREFIX}credential-of/${refPath(ref)}`;
const callsKey = (ref: InstanceRef) => `${MODEL_KEY_PREFIX}calls/${refPath(ref)}`;
const usagePrefix = (workspaceId: string) => `${MODEL_KEY_PREFIX}usage/${workspaceId}/`;
const usageKey = (ref: InstanceRef) => `${usagePrefix(ref.workspaceId)}${ref.instanceId}`;
const spendKey = (workspaceId: string) => `${MODEL_KEY_PREFIX}spend/${workspaceId}`;

/** Pure logic over the synchronous KV (the Durable Object's `ctx.storage.kv`, a Map in tests). */
export class ModelRecords {
  constructor(
    private readonly kv: SyncKvLike,
    private readonly now: () => number = Date.now,
  ) {}

  issueCredential(owner: CredentialOwner, hash: string): void {
    this.revokeCredential(owner);
    this.kv.put(credentialKey(hash), {
      workspaceId: owner.workspaceId,
      instanceId: owner.instanceId,
      sandboxId: owner.sandboxId,
    });
    this.kv.put(credentialOfKey(owner), hash);
  }

  revokeCredential(ref: InstanceRef): void {
    const hash = this.kv.get<string>(credentialOfKey(ref));
    if (hash === undefined) return;
    this.kv.delete(credentialKey(hash));
    this.kv.delete(credentialOfKey(ref));
  }

  credentialOwner(hash: string): CredentialOwner | null {
    return this.kv.get<CredentialOwner>(credentialKey(hash)) ?? null;
  }

  acquireCall(ref: InstanceRef, limit: number, leaseMs: number): string | null {
    const now = this.now();
    const live = Object.entries(this.kv.get<Record<string, number>>(callsKey(ref)) ?? {}).filter(
      ([, expiresAt]) => expiresAt > now,
    );
    if (live.length >= limit) return null;
    const slot = crypto.randomUUID();
    this.kv.put(callsKey(ref), Object.fromEntries([...live, [slot, now + leaseMs]]));
    return slot;
  }

  releaseCall(ref: InstanceRef, slot: string): void {
    const slots = this.kv.get<Record<string, number>>(callsKey(ref)) ?? {};
    delete slots[slot];
    if (Object.keys(slots).length === 0) this.kv.delete(callsKey(ref));
    else this.kv.put(callsKey(ref), slots);
  }

  recordUsage(ref: InstanceRef, usage: CallUsage | null): void {
    this.kv.put(usageKey(ref), addCall(this.usage(ref) ?? EMPTY_USAGE, usage, new Date(this.now())));
  }

  usage(ref: InstanceRef): ModelUsage | null {
    return this.kv.get<ModelUsage>(usageKey(ref)) ?? null;
  }

  spend(workspaceId: string): SpendState {
    return this.kv.get<SpendState>(spendKey(workspaceId)) ?? SPEND_ALLOWED;
  }

  setSpend(workspaceId: string, request: SpendRequest): SpendState {
    const state = spendStateOf(request, new Date(this.now()));
    this.kv.put(spendKey(workspaceId), state);
    return state;
  }

  usageList(workspaceId: string): InstanceUsage[] {
    const prefix = usagePrefix(workspaceId);
    return [...this.kv.list<ModelUsage>({ prefix })].map(([key, usage]) => ({
      workspaceId,
      instanceId: key.slice(prefix.length),
      ...usage,
    }));
  }
}
