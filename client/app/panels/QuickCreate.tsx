import { useState, type FormEvent } from "react";
import type { AutopilotClient } from "../../src/client";
import { useAction } from "../lib/action";
import { useCan, useRoom } from "../stores/room";

interface QuickCreateProps {
  id: string;
  label: string;
  placeholder: string;
  maxLength: number;
  button: string;
  /** The button's name for assistive technology, when its text alone would not say what it makes. */
  buttonLabel?: string;
  buttonClass: string;
  /** Creates the thing; resolves with a note to show (or null), throws to show an error. */
  create: (value: string, client: AutopilotClient) => Promise<string | null>;
}

/**
 * A one-field form in the sidebar: type, Enter, done; errors are shown in words. Everything it
 * makes is written to the room, so it shows only to those who may write, once connected.
 */
export function QuickCreate(props: QuickCreateProps) {
  const client = useRoom((s) => s.client);
  const canWrite = useCan("write");
  if (!canWrite || !client) return null;
  return <QuickCreateForm {...props} client={client} />;
}

function QuickCreateForm({
  id,
  label,
  placeholder,
  maxLength,
  button,
  buttonLabel,
  buttonClass,
  create,
  client,
}: QuickCreateProps & { client: AutopilotClient }) {
  const [value, setValue] = useState("");
  const action = useAction(async (trimmed: string) => {
    const text = await create(trimmed, client);
    setValue("");
    return text;
  });
  const busy = action.pending;
  const note = action.error
    ? { error: true, text: action.error }
    : action.note
      ? { error: false, text: action.note }
      : null;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const trimmed = value.trim();
    if (trimmed) action.run(trimmed);
  };
  return (
    <form className="new-thread" onSubmit={submit}>
      <label className="sr-only" htmlFor={id}>
        {label}
      </label>
      <input
        id={id}
        placeholder={placeholder}
        value={value}
        maxLength={maxLength}
        onChange={(e) => setValue(e.target.value)}
        disabled={busy}
      />
      <button type="submit" className={buttonClass} disabled={busy || !value.trim()} aria-label={buttonLabel}>
        {button}
      </button>
      {note && (
        <p className={note.error ? "form-error" : "empty"} role={note.error ? "alert" : "status"}>
          {note.text}
        </p>
      )}
    </form>
  );
}
