import { useEffect, useRef, useState } from "react";
import type { Instance, InstanceDetails } from "../../../../shared/protocol/instances";
import { useAction } from "../../lib/action";
import { useRoom } from "../../stores/room";
import { useEndedJobs } from "../gateway-section";

/**
 * The instance's details as the room answers them now: asked again when the instance or a
 * job changes (a backup, a restore, an unpair), when the room says its gateway's devices or
 * nodes changed (`instance.devices`: a pairing decided, a node that connects or drops, on the
 * gateway's own time), and on Refresh.
 * What shows is always the latest answer (runs queue, so an older answer never lands after a
 * newer one).
 */
export function useInstanceDetails(instance: Instance) {
  const client = useRoom((s) => s.client);
  const finished = useEndedJobs();
  const [details, setDetails] = useState<InstanceDetails | null>(null);
  const load = useAction(async () => {
    if (!client) return;
    setDetails((await client.instances.details({ instanceId: instance.id })).details);
  });
  const { run } = load;
  // biome-ignore lint/correctness/useExhaustiveDependencies: reload on these changes only; `run` is new every render
  useEffect(() => run(), [client, instance.id, instance.status, instance.updatedAt, finished]);
  const latestRun = useRef(run);
  latestRun.current = run;
  useEffect(
    () => client?.on("instance.devices", ({ instanceId }) => instanceId === instance.id && latestRun.current()),
    [client, instance.id],
  );
  return { details, error: load.error, loading: load.pending, reload: () => run() };
}
