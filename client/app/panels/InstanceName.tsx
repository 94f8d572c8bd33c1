import { type FormEvent, useState } from "react";
import type { Instance } from "../../../shared/protocol/instances";
import { useAction } from "../lib/action";
import { FormError } from "../lib/form-error";
import { useCan, useRoom } from "../stores/room";

/**
 * An instance's name as the inspector's heading, renamed in place (`instances.update`) by
 * anyone who may write. What shows is the room's name: the field only holds a draft.
 */
export function InstanceName({ instance }: { instance: Instance }) {
  const client = useRoom((s) => s.client);
  const canWrite = useCan("write");
  const [draft, setDraft] = useState<string | null>(null);
  const rename = useAction(async (name: string) => {
    await client?.request("instances.update", { instanceId: instance.id, name });
    setDraft(null);
  });
  if (draft === null) {
    return (
      <div className="instance-name">
        <h2>{instance.name}</h2>
        {canWrite && client && (
          <button type="button" className="link small" onClick={() => setDraft(instance.name)}>
            Rename
          </button>
        )}
      </div>
    );
  }
  const name = draft.trim();
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (name === instance.name) setDraft(null);
    else if (name) rename.run(name);
  };
  return (
    <form className="instance-name" onSubmit={submit} aria-label="Rename the instance">
      <input
        aria-label="Instance name"
        value={draft}
        maxLength={80}
        // biome-ignore lint/a11y/noAutofocus: the field opened by its own button, for typing at once
        autoFocus
        disabled={rename.pending}
        onChange={(e) => setDraft(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === "Escape") {
            e.stopPropagation();
            setDraft(null);
          }
        }}
      />
      <button type="submit" className="small primary" disabled={rename.pending || !name}>
        Save
      </button>
      <button type="button" className="link small" onClick={() => setDraft(null)}>
        Cancel
      </button>
      <FormError error={rename.error} />
    </form>
  );
}
