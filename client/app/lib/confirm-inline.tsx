import { useState } from "react";

/**
 * A risky action's button that asks once more where it stands, instead of the browser's
 * `confirm()` (which blocks the page, cannot be styled or read in the app's words, and which
 * some browsers suppress): the question, then the action's own words and "Keep it". The
 * confirming button takes focus; Escape or "Keep it" puts the button back.
 */
export function ConfirmInline({
  label,
  ariaLabel,
  question,
  yes,
  disabled,
  plain,
  onConfirm,
}: {
  label: string;
  ariaLabel?: string;
  question: string;
  /** The confirming button's words: "Yes, revoke". */
  yes: string;
  disabled?: boolean;
  /** A button in the plain style until asked (a change that can be undone by another: a rotation). */
  plain?: boolean;
  onConfirm: () => void;
}) {
  const [asking, setAsking] = useState(false);
  if (!asking)
    return (
      <button
        type="button"
        className={plain ? "small" : "deny small"}
        disabled={disabled}
        aria-label={ariaLabel}
        onClick={() => setAsking(true)}
      >
        {label}
      </button>
    );
  return (
    // biome-ignore lint/a11y/useSemanticElements: a group of two buttons and their question, not a form's fieldset
    <span
      className="confirm-inline"
      role="group"
      aria-label={question}
      onKeyDown={(e) => {
        if (e.key === "Escape") setAsking(false);
      }}
    >
      <span className="small">{question}</span>
      <button
        type="button"
        className="deny small"
        disabled={disabled}
        // biome-ignore lint/a11y/noAutofocus: the person just asked for this action; its confirmation is where they are
        autoFocus
        onClick={() => {
          setAsking(false);
          onConfirm();
        }}
      >
        {yes}
      </button>
      <button type="button" className="small" onClick={() => setAsking(false)}>
        Keep it
      </button>
    </span>
  );
}
