import { FormError } from "../lib/form-error";

/**
 * What the forms asking for a change of an instance's gateway share (its channels', its
 * skills'): each files an approval, so its submit says "Ask…", and it closes once asked.
 */

/** What every such form takes: the instance, whether it may ask now, and what to do once asked or cancelled. */
export interface ChangeFormProps {
  instanceId: string;
  disabled: boolean;
  onDone: () => void;
}

/** A secret's field (a token, a key): typed as a password, never filled in by the browser or spell-checked. */
export function SecretField({
  label,
  value,
  onChange,
  placeholder,
  maxLength = 500,
  disabled,
}: {
  label: string;
  value: string;
  onChange: (value: string) => void;
  placeholder?: string;
  maxLength?: number;
  disabled: boolean;
}) {
  return (
    <label>
      {label}
      <input
        type="password"
        autoComplete="off"
        spellCheck={false}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        placeholder={placeholder}
        maxLength={maxLength}
        disabled={disabled}
      />
    </label>
  );
}

/**
 * A form's submit and Cancel, and why the last request failed. The submit files an approval
 * (it says "Asking…" while it goes) unless `working` says what else it is doing.
 */
export function FormActions({
  ask,
  working = "Asking…",
  disabled,
  send,
  onCancel,
}: {
  ask: string;
  working?: string;
  disabled: boolean;
  send: { pending: boolean; error: string | null };
  onCancel: () => void;
}) {
  return (
    <>
      <div className="actions">
        <button type="submit" className="small" disabled={disabled || send.pending}>
          {send.pending ? working : ask}
        </button>
        <button type="button" className="link small" onClick={onCancel}>
          Cancel
        </button>
      </div>
      <FormError error={send.error} />
    </>
  );
}
