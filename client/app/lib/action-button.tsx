/**
 * A button that starts an action (with `payload`): it waits while the action runs, or while
 * `disabled` says so. Where several start the same action with different payloads (pause,
 * resume, …), all of them wait while any runs, and the one whose payload is running says what
 * it is doing (`busyLabel`).
 */
export function ActionButton<P>({
  action,
  payload,
  label,
  busyLabel = label,
  className = "small",
  disabled = false,
}: {
  action: { run: (payload: P) => void; pending: boolean; running: P | undefined };
  payload: P;
  label: string;
  busyLabel?: string;
  className?: string;
  disabled?: boolean;
}) {
  return (
    <button
      type="button"
      className={className}
      disabled={disabled || action.pending}
      onClick={() => action.run(payload)}
    >
      {action.pending && action.running === payload ? busyLabel : label}
    </button>
  );
}
