/**
 * A bar filled to `percent` (by default `now`, which suits a `max` of 100), named for
 * screen readers by `label`. `now` null: not known yet, no value and no width (the
 * chat start's bar is then full and shimmers, chat-start.css).
 */
export function ProgressBar({
  label,
  now,
  max = 100,
  percent = now,
  large = false,
}: {
  label: string;
  now: number | null;
  max?: number;
  percent?: number | null;
  large?: boolean;
}) {
  return (
    <div
      className={large ? "progress large" : "progress"}
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={max}
      {...(now === null ? {} : { "aria-valuenow": now })}
    >
      <span style={percent === null ? undefined : { width: `${percent}%` }} />
    </div>
  );
}
