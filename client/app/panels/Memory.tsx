import { useEffect, useMemo, useState, type FormEvent } from "react";
import { MAX_MEMORY_VALUE, type MemoryEntry } from "../../../shared/protocol/agent";
import { useAction } from "../lib/action";
import { errorText } from "../lib/api";
import { relativeTime } from "../lib/format";
import { useCan, useRoom } from "../stores/room";
import { FormError } from "../lib/form-error";
import { TextField } from "../lib/text-field";

/**
 * The workspace memory the Autopilot keeps with people (protocol 5). Not part of the room
 * snapshot: listed with `memory.list` on open and after every hello (events may have been
 * missed while offline), then kept live by `memory.updated` / `memory.deleted`.
 */
export function MemoryView() {
  const client = useRoom((s) => s.client);
  const status = useRoom((s) => s.status);
  const canWrite = useCan("write");
  const [entries, setEntries] = useState<ReadonlyMap<string, MemoryEntry> | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [key, setKey] = useState("");
  const [value, setValue] = useState("");

  useEffect(() => {
    if (!client || status !== "connected") return;
    let live = true;
    client.memory
      .list()
      .then(({ entries: list }) => live && setEntries(new Map(list.map((e) => [e.key, e]))))
      .catch((error: unknown) => live && setLoadError(errorText(error)));
    const off = [
      client.on("memory.updated", ({ entry }) => setEntries((now) => new Map(now ?? []).set(entry.key, entry))),
      client.on("memory.deleted", ({ key: gone }) =>
        setEntries((now) => {
          const next = new Map(now ?? []);
          next.delete(gone);
          return next;
        }),
      ),
    ];
    return () => {
      live = false;
      for (const unsubscribe of off) unsubscribe();
    };
  }, [client, status]);

  const save = useAction(async () => {
    if (!client) return;
    await client.memory.put({ key: key.trim(), value });
    setKey("");
    setValue("");
  });
  const remove = useAction(async (gone: string) => {
    if (!client) return;
    await client.memory.delete({ key: gone });
  });
  const sorted = useMemo(() => [...(entries?.values() ?? [])].sort((a, b) => a.key.localeCompare(b.key)), [entries]);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    save.run();
  };
  const error = save.error ?? remove.error ?? loadError;

  return (
    <section className="memory-view" aria-labelledby="memory-h">
      <h2 id="memory-h">Memory</h2>
      <p className="muted small">
        What the Autopilot remembers for this workspace. People and the Autopilot both add to it; everyone sees changes
        at once.
      </p>
      {entries === null ? (
        <p className="muted">Loading…</p>
      ) : sorted.length === 0 ? (
        <p className="empty">Nothing remembered yet.</p>
      ) : (
        <ul className="memory-list" aria-label="Memory entries">
          {sorted.map((e) => (
            <li key={e.key} className="memory-entry">
              <div className="memory-head">
                <code className="memory-key">{e.key}</code>
                <span className="muted small">
                  {e.updatedBy.name} · {relativeTime(e.updatedAt)}
                </span>
              </div>
              <p className="memory-value">{e.value}</p>
              {canWrite && (
                <div className="button-row">
                  <button
                    type="button"
                    className="small"
                    onClick={() => {
                      setKey(e.key);
                      setValue(e.value);
                      document.getElementById("memory-value")?.focus();
                    }}
                    aria-label={`Edit ${e.key}`}
                  >
                    Edit
                  </button>
                  <button
                    type="button"
                    className="deny small"
                    disabled={remove.pending}
                    onClick={() => remove.run(e.key)}
                    aria-label={`Delete ${e.key}`}
                  >
                    Delete
                  </button>
                </div>
              )}
            </li>
          ))}
        </ul>
      )}
      {canWrite ? (
        <form className="memory-form" onSubmit={submit}>
          <TextField
            id="memory-key"
            label="Key"
            required
            maxLength={100}
            placeholder="e.g. release-day"
            value={key}
            onChange={setKey}
          />
          <TextField
            multiline
            id="memory-value"
            label="Value"
            required
            rows={3}
            maxLength={MAX_MEMORY_VALUE}
            value={value}
            onChange={setValue}
          />
          <button type="submit" className="primary small" disabled={save.pending || !key.trim() || !value}>
            {entries?.has(key.trim()) ? "Save changes" : "Remember"}
          </button>
        </form>
      ) : (
        <p className="hint">Your role can read the memory but not change it.</p>
      )}
      <FormError error={error} />
    </section>
  );
}
