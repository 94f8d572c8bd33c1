// Token usage per instance, counted by the model pass-through and kept in runtime-owned files
// (<dataDir>/usage/<workspace>/<instance>.json, 0600 in 0700 directories: no gateway can
// read or forge them). Kept after an instance is deleted: billing still needs it.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { instanceIdSchema, type InstanceRef } from "../../shared/runtime/requests";
import { EMPTY_USAGE, modelUsageSchema, type InstanceUsage, type ModelUsage } from "../../shared/runtime/usage";
import { refKey } from "./ids";
import { addCall, type CallUsage } from "./model-usage";

export class UsageLedger {
  private readonly cache = new Map<string, ModelUsage>();

  constructor(private readonly dir: string) {}

  private fileFor(ref: InstanceRef): string {
    return join(this.dir, ref.workspaceId, `${ref.instanceId}.json`);
  }

  /** The instance's usage, or undefined when it has never been counted. */
  get(ref: InstanceRef): ModelUsage | undefined {
    const key = refKey(ref);
    const cached = this.cache.get(key);
    if (cached) return cached;
    const file = this.fileFor(ref);
    if (!existsSync(file)) return undefined;
    const parsed = modelUsageSchema.safeParse(JSON.parse(readFileSync(file, "utf8")));
    if (!parsed.success) return undefined;
    this.cache.set(key, parsed.data);
    return parsed.data;
  }

  record(ref: InstanceRef, call: CallUsage | null): ModelUsage {
    const next = addCall(this.get(ref) ?? EMPTY_USAGE, call);
    this.cache.set(refKey(ref), next);
    const file = this.fileFor(ref);
    mkdirSync(join(this.dir, ref.workspaceId), { recursive: true, mode: 0o700 });
    // Write-then-rename: a crash mid-write never leaves a torn file.
    const staging = `${file}.tmp`;
    writeFileSync(staging, JSON.stringify(next), { mode: 0o600 });
    renameSync(staging, file);
    return next;
  }

  /** Every counted instance of a workspace. */
  list(workspaceId: string): InstanceUsage[] {
    const dir = join(this.dir, workspaceId);
    if (!existsSync(dir)) return [];
    return readdirSync(dir)
      .filter((name) => name.endsWith(".json"))
      .map((name) => name.slice(0, -".json".length))
      .filter((instanceId) => instanceIdSchema.safeParse(instanceId).success)
      .sort()
      .flatMap((instanceId) => {
        const usage = this.get({ workspaceId, instanceId });
        return usage ? [{ workspaceId, instanceId, ...usage }] : [];
      });
  }
}
