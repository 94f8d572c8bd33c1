import { type Dispatch, type SetStateAction, useEffect, useState } from "react";
import { ADMIN_BILLING_BATCH } from "../../../shared/api/billing";
import type { AdminWorkspace } from "../../../shared/api/admin";
import { errorText } from "../lib/api";

/** What /admin read of each workspace by id; null: its room could not be read; absent: not loaded yet. */
export type ById<T> = Record<string, T | null>;

/**
 * Reads something of every workspace from its room, a batch at a time (each workspace read is
 * its room woken): `read` answers a batch's ids with what each room said. The first batch that
 * fails stops the rest and its error is the answer's third part.
 */
export function useWorkspaceBatches<T>(
  workspaces: AdminWorkspace[],
  read: (ids: string[]) => Promise<{ workspaceId: string; value: T | null }[]>,
): [ById<T>, Dispatch<SetStateAction<ById<T>>>, string | null] {
  const [known, setKnown] = useState<ById<T>>({});
  const [error, setError] = useState<string | null>(null);
  // biome-ignore lint/correctness/useExhaustiveDependencies: `read` is a module-level reader; a new list of workspaces is what reads again
  useEffect(() => {
    let current = true;
    void (async () => {
      for (let i = 0; i < workspaces.length && current; i += ADMIN_BILLING_BATCH) {
        const ids = workspaces.slice(i, i + ADMIN_BILLING_BATCH).map((w) => w.id);
        try {
          const answer = await read(ids);
          if (!current) return;
          setKnown((before) => ({ ...before, ...Object.fromEntries(answer.map((w) => [w.workspaceId, w.value])) }));
          setError(null);
        } catch (e) {
          if (current) setError(errorText(e));
          return;
        }
      }
    })();
    return () => {
      current = false;
    };
  }, [workspaces]);
  return [known, setKnown, error];
}
