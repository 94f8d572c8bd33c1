import { useState, type FormEvent } from "react";
import { useAction } from "../lib/action";

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
  create: (value: string) => Promise<string | null>;
}

/** A one-field form in the sidebar: type, Enter, done; errors are shown in words. */
export function QuickCreate({
  id,
  label,
  placeholder,
  maxLength,
  button,
  buttonLabel,
  buttonClass,
  create,
}: QuickCreateProps) {
  const [value, setValue] = useState("");
  const action = useAction(async (trimmed: string) => {
    const text = await create(trimmed);
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
