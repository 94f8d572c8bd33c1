/**
 * A row of filter chips, one pressed at a time (the canvas's filter bar, the approval queue's
 * filter): each a toggle button that says whether it is on (`aria-pressed`).
 */
export function FilterChips<T extends string>({
  options,
  value,
  onChange,
}: {
  options: ReadonlyArray<{ id: T; label: string; hint?: string }>;
  value: T;
  onChange: (id: T) => void;
}) {
  return options.map((f) => (
    <button
      key={f.id}
      type="button"
      className={`filter-chip ${value === f.id ? "active" : ""}`}
      aria-pressed={value === f.id}
      title={f.hint}
      onClick={() => onChange(f.id)}
    >
      {f.label}
    </button>
  ));
}
