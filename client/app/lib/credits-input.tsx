/**
 * A whole number of credits, as every form that sets or gives credits asks for it: a number
 * field (a numeric keypad on phones) that takes whole steps from `min`, its text kept by the
 * form until it is sent.
 */
export function CreditsInput({
  id,
  min,
  value,
  onChange,
  label,
}: {
  id?: string;
  min: number;
  value: string;
  onChange: (value: string) => void;
  /** Its name when no <label> names it. */
  label?: string;
}) {
  return (
    <input
      id={id}
      type="number"
      inputMode="numeric"
      min={min}
      step={1}
      required
      value={value}
      onChange={(e) => onChange(e.target.value)}
      aria-label={label}
    />
  );
}
