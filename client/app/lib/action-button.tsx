/**
 * One of the buttons that start the same action with different payloads (pause, resume, …):
 * all of them wait while any runs, and the one whose payload is running says what it is doing.
 */
export function ActionButton<P>({
  action,
  payload,
  label,
  busyLabel,
  className = "small",
}: {
  action: { run: (payload: P) => void; pending: boolean; running: P | undefined };
  payload: P;
  label: string;
  busyLabel: string;
  className?: string;
}) {
  return (
    <button type="button" className={className} disabled={action.pending} onClick={() => action.run(payload)}>
      {action.pending && action.running === payload ? busyLabel : label}
    </button>
  );
}
