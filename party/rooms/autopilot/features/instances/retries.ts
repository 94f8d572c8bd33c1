import type { InstanceOperation } from "../../../../../shared/protocol/instances";
import type { RuntimeError } from "../../../../../shared/runtime/errors";
import { RoomError } from "../../../../domain/errors";
import type { Commit } from "../../kernel/commit";
import { getInstance, putInstance } from "../instance-store";
import { updateJob } from "../jobs/index";
import type { Sql } from "../../../../domain/sql";

/**
 * An instance operation that fails for a reason that passes (the runtime busy or out of
 * room, a gateway that did not start in time under load, the runtime unreachable for a
 * moment) is tried again after these waits, and fails for good only after the last. While it
 * waits, the room's state says so: the job's message (why, when, which attempt) and, for a
 * (re)start, the instance's phase ("retrying (attempt 2 of 4)"), so every client shows it.
 */
export const RETRY_DELAYS_MS: readonly number[] = [10_000, 30_000, 90_000];

/** The runtime's codes for what may pass by itself. */
const PASSING = new Set<RuntimeError["code"]>([
  "capacity_exceeded",
  "not_ready",
  "gateway_unavailable",
  "gateway_failed",
  "internal",
]);

/** A try that failed, and whether trying again may help. */
export class AttemptFailed extends Error {
  constructor(
    message: string,
    readonly passing: boolean,
  ) {
    super(message);
  }
}

/** A failure the runtime reported in a status (a gateway that did not start). */
export function startFailed(error: RuntimeError | null): AttemptFailed {
  const message = error ? `${error.message} (${error.code})` : "the gateway failed to start";
  return new AttemptFailed(message, error === null || (error.retryable ?? PASSING.has(error.code)));
}

/** Whether a thrown error (the runtime client's, or ours) may pass by itself. */
export function passing(error: unknown): boolean {
  if (error instanceof AttemptFailed) return error.passing;
  if (!(error instanceof RoomError)) return false;
  const code = error.details?.runtimeCode as RuntimeError["code"] | undefined;
  // No runtime code: the runtime could not be reached, or answered without a body.
  return code === undefined ? error.code === "unavailable" : PASSING.has(code);
}

export interface RetryDeps {
  sql: Sql;
  commit: Commit;
  /** The waits between tries (RETRY_DELAYS_MS unless a test sets shorter ones). */
  retryDelaysMs?: readonly number[];
}

const STARTS: ReadonlySet<InstanceOperation> = new Set(["provision", "restart", "restore"]);

/**
 * Runs `attempt` until it succeeds, fails for a reason that does not pass, the waits run out
 * or the instance is deleted meanwhile (then it resolves with null). A failure that ends it
 * is thrown, its message saying how many tries it took.
 */
export async function withRetries<T>(
  deps: RetryDeps,
  op: { operation: InstanceOperation; instanceId: string; jobId: string },
  attempt: () => Promise<T>,
): Promise<T | null> {
  const delays = deps.retryDelaysMs ?? RETRY_DELAYS_MS;
  const tries = delays.length + 1;
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (!passing(error) || n === tries) throw new Error(n > 1 ? `${message} (after ${n} tries)` : message);
      const waitMs = delays[n - 1]!;
      if (!markRetrying(deps, op, n + 1, tries, message, waitMs)) return null;
      await new Promise((resolve) => setTimeout(resolve, waitMs));
      const instance = getInstance(deps.sql, op.instanceId);
      if (!instance || instance.status === "stopped") return null;
    }
  }
}

/** The state says the operation waits to try again; false when the instance is gone. */
function markRetrying(
  deps: RetryDeps,
  op: { operation: InstanceOperation; instanceId: string; jobId: string },
  next: number,
  tries: number,
  reason: string,
  waitMs: number,
): boolean {
  return deps.commit(null, (ctx) => {
    const instance = getInstance(ctx.sql, op.instanceId);
    if (!instance || instance.status === "stopped") return false;
    const attempt = `attempt ${next} of ${tries}`;
    if (STARTS.has(op.operation))
      putInstance(ctx, {
        ...instance,
        status: op.operation === "provision" ? "provisioning" : "starting",
        phase: `retrying (${attempt})`,
        progress: 0,
        error: null,
        updatedAt: ctx.now,
      });
    updateJob(ctx, {
      jobId: op.jobId,
      progress: 0,
      message: `failed: ${reason}; trying again in ${Math.round(waitMs / 1000)} s (${attempt})`,
      idempotencyKey: `room-${op.jobId}-retry-${next}`,
    });
    return true;
  });
}
