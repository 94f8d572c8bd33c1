import { useEffect, useState } from "react";
import { durationWords } from "../../../shared/plain-words";
import { Risk } from "../../../shared/protocol/approvals";
import { DEFAULT_REMINDER_LADDER, type ReminderLadder, type ReminderStep } from "../../../shared/protocol/settings";
import { useAction } from "../lib/action";
import { FormError } from "../lib/form-error";
import { submitted } from "../lib/form-submit";
import { useCan, useRoom } from "../stores/room";

/**
 * The workspace's reminder ladder (docs/access.md "Who is told"): while nobody decides an
 * approval, each step, counted from its filing, reminds the people told so far on another
 * surface or adds the admins, then the owners. Room data: what is shown is the room's
 * `settings.approvals.reminders` (the defaults while unset); an edit is a draft until saved
 * with `settings.update`, and every open dialog follows `settings.changed`.
 */

const MINUTE = 60_000;
/** The room's bounds for a step's wait (shared/protocol/settings.ts StepAfter), in minutes. */
const MIN_MINUTES = 1 / 60;
const MAX_MINUTES = 24 * 60;
const MAX_STEPS = 8;

const DOES: Record<ReminderStep["add"], string> = {
  surface: "remind on another surface",
  admins: "add the admins",
  owners: "add the owners",
};

/** A step as the form holds it: the wait as typed, the risks it is for (null: every risk). */
export interface DraftStep {
  minutes: string;
  add: ReminderStep["add"];
  risks: Risk[] | null;
}

const minutesText = (ms: number) => String(Math.round((ms / MINUTE) * 100) / 100);
export const draftOf = (ladder: ReminderLadder): DraftStep[] =>
  ladder.map((step) => ({ minutes: minutesText(step.afterMs), add: step.add, risks: step.risks ?? null }));

/** "a", "a and b", "a, b and c". */
const listWords = (items: readonly string[]) =>
  items.length < 2 ? (items[0] ?? "") : `${items.slice(0, -1).join(", ")} and ${items.at(-1)}`;

const risksWords = (risks: readonly Risk[] | undefined | null) =>
  !risks || risks.length === Risk.options.length ? "" : ` (${listWords(risks)} risk only)`;

/** The steps the form holds as the room takes them, or what to fix, in words. */
export function ladderOf(steps: readonly DraftStep[]): ReminderLadder {
  return steps.map((step, i) => {
    const minutes = Number(step.minutes.trim());
    if (step.minutes.trim() === "" || !Number.isFinite(minutes) || minutes < MIN_MINUTES || minutes > MAX_MINUTES)
      throw new Error(
        `Step ${i + 1}: enter how many minutes after the approval was asked for, from 0.02 (one second) to ${MAX_MINUTES} (a day).`,
      );
    if (step.risks?.length === 0)
      throw new Error(`Step ${i + 1} is for no risk: tick at least one, or remove the step.`);
    const risks = step.risks && step.risks.length < Risk.options.length ? { risks: step.risks } : {};
    return { afterMs: Math.max(1000, Math.round(minutes * MINUTE)), add: step.add, ...risks };
  });
}

function StepRow({
  step,
  index,
  onChange,
  onRemove,
}: {
  step: DraftStep;
  index: number;
  onChange: (step: DraftStep) => void;
  onRemove: () => void;
}) {
  const n = index + 1;
  const id = `reminder-step-${n}`;
  const ticked = (risk: Risk) => step.risks?.includes(risk) ?? true;
  const tick = (risk: Risk, on: boolean) => {
    const risks = Risk.options.filter((r) => (r === risk ? on : ticked(r)));
    onChange({ ...step, risks: risks.length === Risk.options.length ? null : risks });
  };
  return (
    <li className="reminder-step">
      <span className="reminder-step-n" aria-hidden="true">
        {n}
      </span>
      <div className="reminder-step-when">
        <label htmlFor={`${id}-after`}>After</label>
        <input
          id={`${id}-after`}
          type="number"
          min={0.02}
          max={MAX_MINUTES}
          step="any"
          inputMode="decimal"
          aria-label={`Step ${n}: minutes after it was asked for`}
          value={step.minutes}
          onChange={(e) => onChange({ ...step, minutes: e.target.value })}
        />
        <span className="muted small">minutes</span>
      </div>
      <button type="button" className="ghost small" aria-label={`Remove step ${n}`} onClick={onRemove}>
        Remove
      </button>
      <select
        className="reminder-step-does"
        aria-label={`Step ${n}: what it does`}
        value={step.add}
        onChange={(e) => onChange({ ...step, add: e.target.value as ReminderStep["add"] })}
      >
        {(Object.keys(DOES) as ReminderStep["add"][]).map((add) => (
          <option key={add} value={add}>
            {DOES[add]}
          </option>
        ))}
      </select>
      <fieldset className="reminder-step-risks">
        <legend className="muted small">For</legend>
        {Risk.options.map((risk) => (
          <label key={risk} className="check">
            <input
              type="checkbox"
              checked={ticked(risk)}
              aria-label={`Step ${n}: for ${risk} risk`}
              onChange={(e) => tick(risk, e.target.checked)}
            />
            {risk}
          </label>
        ))}
      </fieldset>
    </li>
  );
}

export function ReminderLadderSettings() {
  const client = useRoom((s) => s.client);
  const ladder = useRoom((s) => s.state.settings.approvals.reminders);
  const editable = useCan("admin");
  const shown = ladder ?? DEFAULT_REMINDER_LADDER;
  const [draft, setDraft] = useState<DraftStep[] | null>(null);
  // Saved here or elsewhere (another admin): what the room holds now replaces the draft.
  const saved = JSON.stringify(ladder ?? null);
  // biome-ignore lint/correctness/useExhaustiveDependencies: a change of the room's ladder is what resets the draft
  useEffect(() => setDraft(null), [saved]);
  const save = useAction(async () => {
    if (!client || draft === null) return null;
    await client.settings.update({ approvals: { reminders: ladderOf(draft) } });
    setDraft(null);
    return "Saved.";
  });
  const steps = draft ?? draftOf(shown);
  const edit = (next: DraftStep[]) => setDraft(next);
  return (
    <>
      <h4 id="reminders-h">Reminders while nobody decides</h4>
      <p className="muted small" id="reminders-hint">
        While nobody decides an approval, each step runs that long after it was asked for: it reminds the people told so
        far on a surface they were not told on yet (chat, then push, then e-mail), or adds the admins, or the owners.
        The first notice goes to members before admins before owners; anyone in their quiet hours is passed over for
        someone awake, except for a critical approval.
      </p>
      {!editable ? (
        <ol className="reminder-steps read-only" aria-labelledby="reminders-h">
          {shown.length === 0 && <li className="muted small">No reminders: an approval is sent once, then waits.</li>}
          {shown.map((step, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: steps have no identity but their place in the ladder
            <li key={i}>{`After ${durationWords(step.afterMs)}: ${DOES[step.add]}${risksWords(step.risks)}`}</li>
          ))}
        </ol>
      ) : (
        // noValidate: the browser's own bubble would stop the submit; the refusal in words names the step.
        <form
          className="reminder-ladder"
          noValidate
          onSubmit={submitted(() => save.run())}
          aria-describedby="reminders-hint"
        >
          <ol className="reminder-steps" aria-labelledby="reminders-h">
            {steps.map((step, i) => (
              <StepRow
                // biome-ignore lint/suspicious/noArrayIndexKey: steps have no identity but their place in the ladder
                key={i}
                step={step}
                index={i}
                onChange={(next) => edit(steps.map((s, j) => (j === i ? next : s)))}
                onRemove={() => edit(steps.filter((_, j) => j !== i))}
              />
            ))}
          </ol>
          {steps.length === 0 && <p className="muted small">No reminders: an approval is sent once, then waits.</p>}
          <div className="button-row">
            <button
              type="button"
              className="ghost small"
              disabled={steps.length >= MAX_STEPS}
              onClick={() => {
                const last = steps.at(-1);
                const after = last ? Math.min(MAX_MINUTES, (Number(last.minutes) || 0) * 2 || 5) : 5;
                edit([...steps, { minutes: String(after), add: "owners", risks: null }]);
              }}
            >
              Add a step
            </button>
            {ladder !== undefined && (
              <button type="button" className="ghost small" onClick={() => edit(draftOf(DEFAULT_REMINDER_LADDER))}>
                Back to the defaults
              </button>
            )}
            {draft !== null && (
              <>
                <button type="submit" className="small" disabled={save.pending}>
                  {save.pending ? "Saving…" : "Save reminders"}
                </button>
                <button type="button" className="ghost small" onClick={() => setDraft(null)}>
                  Cancel
                </button>
              </>
            )}
            {save.note && draft === null && (
              <span className="muted small" role="status">
                {save.note}
              </span>
            )}
          </div>
          {/* A refusal stays beside the draft it was about; cancelled, both go. */}
          <FormError error={draft !== null ? save.error : null} />
        </form>
      )}
    </>
  );
}
