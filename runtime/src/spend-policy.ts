// Whether each workspace's gateways may spend on the operator's model (process host), as the
// Autopilot room last said (shared/runtime/spend.ts). Kept in runtime-owned files
// (<dataDir>/spend/<workspace>.json, 0600 in a 0700 directory) so a runtime restart keeps a
// refusal, and read from memory by the model pass-through on every call.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  SPEND_ALLOWED,
  type SpendRequest,
  type SpendState,
  spendStateOf,
  spendStateSchema,
} from "../../shared/runtime/spend";

export class SpendPolicy {
  private readonly cache = new Map<string, SpendState>();

  constructor(private readonly dir: string) {}

  private fileFor(workspaceId: string): string {
    return join(this.dir, `${workspaceId}.json`);
  }

  /** The workspace's state; allowed when the room never said otherwise (or the file is unreadable). */
  get(workspaceId: string): SpendState {
    const cached = this.cache.get(workspaceId);
    if (cached) return cached;
    const file = this.fileFor(workspaceId);
    let state = SPEND_ALLOWED;
    if (existsSync(file)) {
      try {
        const parsed = spendStateSchema.safeParse(JSON.parse(readFileSync(file, "utf8")));
        if (parsed.success) state = parsed.data;
      } catch {
        // torn or foreign: the room tells the runtime again on its next start
      }
    }
    this.cache.set(workspaceId, state);
    return state;
  }

  set(workspaceId: string, request: SpendRequest): SpendState {
    const state = spendStateOf(request);
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    // Write-then-rename: a crash mid-write never leaves a torn file.
    const file = this.fileFor(workspaceId);
    const staging = `${file}.tmp`;
    writeFileSync(staging, JSON.stringify(state), { mode: 0o600 });
    renameSync(staging, file);
    this.cache.set(workspaceId, state);
    return state;
  }
}
