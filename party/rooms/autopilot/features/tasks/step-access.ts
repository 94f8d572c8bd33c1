import type { AccessVerdict } from "../../../../auth/current-access";
import type { CurrentAccess } from "../../kernel/services";

/**
 * How long a running task's steps take their starter's access from one read of D1 (decision
 * 100). The room hears of every access change at once (the Worker's notice, before its HTTP
 * answer) and forgets the read then; this bounds how stale it can be only when that notice
 * was lost (a room the Worker could not reach).
 */
export const STEP_ACCESS_REUSE_MS = 2000;

/**
 * The starter's access for one loop of a task (it starts when the task starts or resumes, so
 * those always read D1): read, then taken again by the loop's steps and tool calls for
 * STEP_ACCESS_REUSE_MS, never past a key's expiry, and forgotten at an access notice
 * (`forget`). Only a verdict that lets the task go on is kept: one that stops it stops it.
 * A read under way when the notice came is not kept either: it may have read D1 before the change.
 */
export function loopAccess(
  read: CurrentAccess,
  reuseMs = STEP_ACCESS_REUSE_MS,
): { current: CurrentAccess; forget(): void } {
  let kept: { key: string; verdict: AccessVerdict; until: number } | null = null;
  let notices = 0;
  return {
    current: async (principal) => {
      const key = JSON.stringify(principal);
      if (kept && kept.key === key && Date.now() < kept.until) return kept.verdict;
      const before = notices;
      const verdict = await read(principal);
      if (verdict.ok && before === notices) {
        const until = Math.min(Date.now() + reuseMs, verdict.expiresAt ?? Number.POSITIVE_INFINITY);
        kept = { key, verdict, until };
      }
      return verdict;
    },
    forget: () => {
      notices++;
      kept = null;
    },
  };
}
