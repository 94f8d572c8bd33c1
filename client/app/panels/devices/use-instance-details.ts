import { useEffect, useRef, useState } from "react";
import type { Instance, InstanceDetails } from "../../../../shared/protocol/instances";
import { useAction } from "../../lib/action";
import { useRoom } from "../../stores/room";

/**
 * After a decision about this instance's devices the gateway acts on its own time: an
 * approved node reconnects by itself, a revoked one is dropped. The room sends no event for
 * that, so the details are asked again a few times while it settles.
 */
const SETTLE_MS = [2_000, 6_000, 15_000, 30_000];

/**
 * How many approvals about this instance's pairings and operations are decided, and the
 * latest decision's time: a new value means one was just decided (or expired).
 */
function useDecidedAbout(instanceId: string): string {
  return useRoom((s) => {
    let n = 0;
    let last = 0;
    for (const a of s.state.approvals.values()) {
      const action = a.action;
      if (a.status === "pending" || (action?.kind !== "pairing" && action?.kind !== "instance") || action.instanceId !== instanceId) continue;
      n++;
      last = Math.max(last, a.resolvedAt ?? 0);
    }
    return `${n}:${last}`;
  });
}

/**
 * The instance's details as the room answers them now: asked again when the instance or a
 * job changes (a backup, a restore), when an approval about its devices or operations is
 * decided, and on Refresh. What shows is always the latest answer (runs queue, so an older
 * answer never lands after a newer one).
 */
export function useInstanceDetails(instance: Instance) {
  const client = useRoom((s) => s.client);
  const finished = useRoom((s) => {
    let n = 0;
    for (const job of s.state.jobs.values()) if (job.status !== "running" && job.status !== "cancel_requested") n++;
    return n;
  });
  const decided = useDecidedAbout(instance.id);
  const [details, setDetails] = useState<InstanceDetails | null>(null);
  const load = useAction(async () => {
    if (!client) return;
    setDetails((await client.instances.details({ instanceId: instance.id })).details);
  });
  const { run } = load;
  // biome-ignore lint/correctness/useExhaustiveDependencies: reload on these changes only; `run` is new every render
  useEffect(() => run(), [client, instance.id, instance.status, instance.updatedAt, finished, decided]);
  // The follow-ups after a decision (not on the first render: nothing was decided then).
  const seen = useRef(decided);
  const latestRun = useRef(run);
  latestRun.current = run;
  useEffect(() => {
    if (seen.current === decided) return;
    seen.current = decided;
    const timers = SETTLE_MS.map((ms) => setTimeout(() => latestRun.current(), ms));
    return () => {
      for (const t of timers) clearTimeout(t);
    };
  }, [decided]);
  return { details, error: load.error, loading: load.pending, reload: () => run() };
}
