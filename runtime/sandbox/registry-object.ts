// The Durable Object that holds the sandbox host's instance records (instance-records.ts):
// one object for the whole runtime ("registry"), so the gateway cap is checked and claimed
// atomically. Each method runs without awaiting, over the object's synchronous SQLite-backed
// KV storage, so calls never interleave.
import { DurableObject } from "cloudflare:workers";
import type { InstanceRef } from "../../shared/runtime/requests";
import { InstanceRecords, type ClaimOutcome, type InstanceRecord } from "./instance-records";

export const REGISTRY_NAME = "registry";

export class InstanceRegistry extends DurableObject {
  private readonly records = new InstanceRecords(this.ctx.storage.kv);

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

  async claim(record: InstanceRecord, expectedVersion: number | null, maxGateways: number): Promise<ClaimOutcome> {
    return this.records.claim(record, expectedVersion, maxGateways);
  }

  async remove(ref: InstanceRef): Promise<void> {
    this.records.remove(ref);
  }
}
