/**
 * A failed action's message, announced to screen readers; nothing when there is none.
 * `inline`: beside a button, in the line (a span rather than a paragraph).
 */
export function FormError({ error, inline = false }: { error: string | null | undefined; inline?: boolean }) {
  if (!error) return null;
  return inline ? (
    <span className="form-error inline" role="alert">
      {error}
    </span>
  ) : (
    <p className="form-error" role="alert">
      {error}
    </p>
  );
}
