import { useState } from "react";
import type { Instance } from "../../../../shared/protocol/instances";
import { useCan, useRoom } from "../../stores/room";
import { DeviceSetupDialog } from "./DeviceSetupDialog";

/**
 * "Add a device" for a hosted instance: setup codes are the admin scope's, and people's
 * only (the room refuses an agent's key: whoever holds a code can pair a device), so an
 * agent or a member without admin reads why instead of a button that would fail.
 */
export function AddDevice({ instance }: { instance: Instance }) {
  const admin = useCan("admin");
  const agent = useRoom((s) => s.principal?.kind === "agent");
  const [open, setOpen] = useState(false);
  if (instance.kind === "linked") return null;
  if (agent)
    return <p className="muted small">Adding a device needs a person: an agent's key cannot make setup codes.</p>;
  if (!admin) return <p className="muted small">A workspace admin adds devices.</p>;
  const ready = instance.status === "ready";
  return (
    <>
      <button
        type="button"
        className="small"
        disabled={!ready}
        title={ready ? undefined : `Wait until the instance is ready (${instance.phase}).`}
        onClick={() => setOpen(true)}
      >
        Add a device
      </button>
      <DeviceSetupDialog instanceId={instance.id} name={instance.name} open={open} onClose={() => setOpen(false)} />
    </>
  );
}
