import type { QuietHours } from "../../../shared/protocol/inbox";
import { viewerZone } from "../lib/schedule-words";
import { ZonePicker } from "../panels/schedules/ZonePicker";

/**
 * A person's quiet hours, part of their inbox preferences (`quietHours`, docs/access.md "Quiet
 * hours"): an approval's notice or reminder that falls in them goes to someone awake instead,
 * except a critical one. The field edits the preferences' draft; the panel saves it.
 */

/** What is wrong with quiet hours before they are sent, in words; null: nothing. */
export function quietHoursProblem(quiet: QuietHours | null | undefined): string | null {
  if (!quiet) return null;
  if (!quiet.from || !quiet.to) return "Quiet hours need a start and an end, such as 22:00 and 07:00.";
  if (quiet.from === quiet.to)
    return "Quiet hours start and end at the same time: choose two different times, or turn quiet hours off.";
  return null;
}

export function QuietHoursField({
  value,
  onChange,
}: {
  value: QuietHours | null | undefined;
  onChange: (quiet: QuietHours | null) => void;
}) {
  return (
    <fieldset className="quiet-hours" aria-describedby="quiet-hours-hint">
      <legend>Quiet hours</legend>
      <p className="muted small" id="quiet-hours-hint">
        An approval's notice or reminder that falls in these hours goes to someone else who may decide it and is awake.
        A critical approval still reaches you, and so does any approval when nobody awake can be reached.
      </p>
      <label className="check">
        <input
          type="checkbox"
          checked={!!value}
          onChange={(e) => onChange(e.target.checked ? { timeZone: viewerZone(), from: "22:00", to: "07:00" } : null)}
        />
        Keep quiet hours
      </label>
      {value && (
        <div className="quiet-hours-times">
          <label>
            <span className="field-label">From</span>
            <input type="time" value={value.from} onChange={(e) => onChange({ ...value, from: e.target.value })} />
          </label>
          <label>
            <span className="field-label">To</span>
            <input type="time" value={value.to} onChange={(e) => onChange({ ...value, to: e.target.value })} />
          </label>
          <ZonePicker value={value.timeZone} onChange={(timeZone) => onChange({ ...value, timeZone })} />
        </div>
      )}
    </fieldset>
  );
}
