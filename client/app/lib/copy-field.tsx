import { useEffect, useId, useRef, useState } from "react";

/** A read-only field with its copy button; the field selects itself whole on focus. */
export function CopyField({
  label,
  value,
  copyLabel,
  mono,
}: {
  label: string;
  value: string;
  copyLabel: string;
  mono?: boolean;
}) {
  const id = useId();
  const field = useRef<HTMLInputElement>(null);
  const [copied, setCopied] = useState<"copied" | "select" | null>(null);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
      setCopied("copied");
    } catch {
      // No clipboard (an insecure origin, a refused permission): leave it selected to copy by hand.
      field.current?.focus();
      field.current?.select();
      setCopied("select");
    }
  };
  // A new value is not copied yet.
  // biome-ignore lint/correctness/useExhaustiveDependencies: reset when the value changes only
  useEffect(() => setCopied(null), [value]);
  return (
    <div className="copy-field">
      <label className="field-label" htmlFor={id}>
        {label}
      </label>
      <div className="copy-row">
        <input
          id={id}
          ref={field}
          className={mono ? "mono" : undefined}
          readOnly
          value={value}
          spellCheck={false}
          onFocus={(e) => e.currentTarget.select()}
        />
        <button type="button" className="small" onClick={copy}>
          {copyLabel}
        </button>
      </div>
      <span className="copy-note small" role="status">
        {copied === "copied" ? "Copied." : copied === "select" ? "Selected: press Ctrl+C (⌘C) to copy." : ""}
      </span>
    </div>
  );
}
