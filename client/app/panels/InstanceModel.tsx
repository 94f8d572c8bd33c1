import type { Instance } from "../../../shared/protocol/instances";
import { useAction } from "../lib/action";
import { FormError } from "../lib/form-error";
import { useCan, useRoom } from "../stores/room";
import { useGatewayRead } from "./gateway-section";

/**
 * A hosted instance's own model in its details (decision 74): the one its gateway's agent runs
 * on, chosen among the models the runtime offers (`instances.update {model}`, set on the
 * gateway itself). `fallback` is what the details say while the gateway cannot be asked, and
 * for a linked gateway, whose model is set on its own machine.
 */
export function InstanceModel({ instance, fallback }: { instance: Instance; fallback: string }) {
  const client = useRoom((s) => s.client);
  const canWrite = useCan("write");
  const linked = instance.kind === "linked";
  const read = useGatewayRead(instance, (c, instanceId) =>
    linked ? Promise.resolve(null) : c.instances.models({ instanceId }),
  );
  const set = useAction(async (model: string) => {
    if (!client) return;
    await client.instances.update({ instanceId: instance.id, model });
    read.reload();
  });
  const models = read.data;
  if (!models?.model) return <>{fallback}</>;
  if (models.offered.length < 2 || !canWrite) return <>{models.model}</>;
  return (
    <>
      <select
        aria-label={`Model of ${instance.name}`}
        value={models.model}
        disabled={set.pending || instance.bridge !== "connected"}
        onChange={(e) => set.run(e.target.value)}
      >
        {models.offered.map((id) => (
          <option key={id} value={id}>
            {id}
          </option>
        ))}
      </select>
      <FormError error={set.error} />
    </>
  );
}
