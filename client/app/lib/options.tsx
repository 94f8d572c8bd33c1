import type { ReactNode } from "react";

/**
 * A <select>'s options, one for each item: its value (`value`, else the item itself) and the
 * words shown for it (`label`, else the value).
 */
export function Options<T>({
  items,
  value = String,
  label,
}: {
  items: readonly T[];
  value?: (item: T) => string;
  label?: (item: T) => ReactNode;
}) {
  return (
    <>
      {items.map((item) => (
        <option key={value(item)} value={value(item)}>
          {label ? label(item) : value(item)}
        </option>
      ))}
    </>
  );
}

/** A <select> of named choices, by id; with none to choose from it says so and cannot be used. */
export function ChoiceSelect({
  id,
  label,
  choices,
  value,
  onChange,
}: {
  id?: string;
  /** Its name when no <label> names it. */
  label?: string;
  choices: readonly { id: string; name: string }[];
  value: string | null;
  onChange: (id: string) => void;
}) {
  return (
    <select
      id={id}
      aria-label={label}
      value={value ?? ""}
      onChange={(e) => onChange(e.target.value)}
      disabled={choices.length === 0}
    >
      {choices.length === 0 && <option value="">none yet</option>}
      <Options items={choices} value={(c) => c.id} label={(c) => c.name} />
    </select>
  );
}
