// The Durable Object that holds the sandbox host's instance records (instance-records.ts) and
// its model pass-through's credentials, call slots, usage and workspaces' spend (model-records.ts): one object
// for the whole runtime ("registry"), so the gateway caps (runtime-wide and per workspace) are
// checked and claimed atomically.
// Each method runs without awaiting, over the object's synchronous SQLite-backed KV storage,
// so calls never interleave.
import { DurableObject } from "cloudflare:workers";
import type { InstanceRef } from "../../shared/runtime/requests";
import type { SpendRequest, SpendState } from "../../shared/runtime/spend";
import type { InstanceUsage, ModelUsage } from "../../shared/runtime/usage";
import type { GatewayCaps } from "../src/gateway-caps";
import type { CallUsage } from "../src/model-usage";
import { InstanceRecords, type ClaimOutcome, type InstanceRecord, type InstanceStoreLike } from "./instance-records";
import { type CredentialOwner, ModelRecords, type ModelStoreLike } from "./model-records";

export const REGISTRY_NAME = "registry";

export class InstanceRegistry extends DurableObject implements InstanceStoreLike, ModelStoreLike {
  private readonly records = new InstanceRecords(this.ctx.storage.kv);
  private readonly models = new ModelRecords(this.ctx.storage.kv);

  async get(ref: InstanceRef): Promise<InstanceRecord | null> {
    return this.records.get(ref);
  }

  async list(workspaceId: string): Promise<InstanceRecord[]> {
    return this.records.list(workspaceId);
  }

  async activeCount(): Promise<number> {
    return this.records.activeCount();
  }

  async put(record: InstanceRecord): Promise<boolean> {
    return this.records.put(record);
  }

  async claim(record: InstanceRecord, expectedVersion: number | null, caps: GatewayCaps): Promise<ClaimOutcome> {
    return this.records.claim(record, expectedVersion, caps);
  }

  async remove(ref: InstanceRef): Promise<void> {
    this.records.remove(ref);
  }

  async issueModelCredential(owner: CredentialOwner, hash: string): Promise<void> {
    this.models.issueCredential(owner, hash);
  }

  async revokeModelCredential(ref: InstanceRef): Promise<void> {
    this.models.revokeCredential(ref);
  }

  async modelCredentialOwner(hash: string): Promise<CredentialOwner | null> {
    return this.models.credentialOwner(hash);
  }

  async acquireModelCall(ref: InstanceRef, limit: number, leaseMs: number): Promise<string | null> {
    return this.models.acquireCall(ref, limit, leaseMs);
  }

  async releaseModelCall(ref: InstanceRef, slot: string): Promise<void> {
    this.models.releaseCall(ref, slot);
  }

  async recordModelUsage(ref: InstanceRef, usage: CallUsage | null): Promise<void> {
    this.models.recordUsage(ref, usage);
  }

  async modelUsage(ref: InstanceRef): Promise<ModelUsage | null> {
    return this.models.usage(ref);
  }

  async modelUsageList(workspaceId: string): Promise<InstanceUsage[]> {
    return this.models.usageList(workspaceId);
  }

  async workspaceSpend(workspaceId: string): Promise<SpendState> {
    return this.models.spend(workspaceId);
  }

  async setWorkspaceSpend(workspaceId: string, request: SpendRequest): Promise<SpendState> {
    return this.models.setSpend(workspaceId, request);
  }
}
