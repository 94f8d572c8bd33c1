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
