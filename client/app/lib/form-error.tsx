/** A failed action's message, announced to screen readers; nothing when there is none. */
export function FormError({ error }: { error: string | null | undefined }) {
  return error ? (
    <p className="form-error" role="alert">
      {error}
    </p>
  ) : null;
}

/** The same beside a button, in the line: a span rather than a paragraph. */
export function InlineError({ error }: { error: string | null | undefined }) {
  return error ? (
    <span className="form-error inline" role="alert">
      {error}
    </span>
  ) : null;
}
