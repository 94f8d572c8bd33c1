import { cloneElement, type FormEvent, type ReactElement, useEffect, useId, useMemo, useRef, useState } from "react";
import { create } from "zustand";
import { MAX_SCHEDULE_TEXT, type Schedule } from "../../../../shared/protocol/schedules";
import { useAction } from "../../lib/action";
import { FormError } from "../../lib/form-error";
import { useModalDialog } from "../../lib/modal";
import {
  actionText,
  defaultPicked,
  momentWords,
  type Picked,
  pickerOf,
  pickerWhen,
  previewNextRun,
  type Repeat,
  runsAsWords,
  sameWhen,
  WEEKDAYS,
  whenWords,
} from "../../lib/schedule-words";
import { useRoom } from "../../stores/room";
import { useUi } from "../../stores/ui";
import { Options } from "../../lib/options";
import { TextField } from "../../lib/text-field";
import { ZonePicker } from "./ZonePicker";

/**
 * "New schedule" and "Edit schedule": what it posts (in a thread) or the task it gives the
 * Autopilot (in a thread or a project), and when, chosen as a person says it (every weekday
 * at 09:00) and written as the cron the room runs, in a time zone (the viewer's by default).
 * The line under the choice says it back in words with its next run in the viewer's time.
 * One dialog for the app, opened from a thread's head, a project, a schedule or ⌘K.
 */

export type ScheduleWhere =
  | { threadId: string; projectId?: undefined; name: string }
  | { projectId: string; threadId?: undefined; name: string };

interface ScheduleDialogStore {
  open: { where: ScheduleWhere; editing: null } | { where: null; editing: Schedule } | null;
  create(where: ScheduleWhere): void;
  edit(schedule: Schedule): void;
  close(): void;
}

/** A webhook URL just made, shown once in its schedule's view (the room keeps only its hash). */
export const useShownHook = create<{
  shown: { scheduleId: string; path: string } | null;
  show(scheduleId: string, path: string): void;
}>((set) => ({
  shown: null,
  show: (scheduleId, path) => set({ shown: { scheduleId, path } }),
}));

export const useScheduleDialog = create<ScheduleDialogStore>((set) => ({
  open: null,
  create: (where) => set({ open: { where, editing: null } }),
  edit: (schedule) => set({ open: { where: null, editing: schedule } }),
  close: () => set({ open: null }),
}));

const REPEATS: Array<{ id: Repeat; label: string }> = [
  { id: "once", label: "Once" },
  { id: "interval", label: "Every few minutes or hours" },
  { id: "hourly", label: "Every hour" },
  { id: "daily", label: "Every day" },
  { id: "weekdays", label: "Every weekday" },
  { id: "weekly", label: "Every week" },
  { id: "monthly", label: "Every month" },
  { id: "custom", label: "Custom (cron)" },
  { id: "hook", label: "When its webhook is called" },
];

/** A label above its one control, joined by id (so the control's name is the label alone). */
function Field({ label, children }: { label: string; children: ReactElement<{ id?: string }> }) {
  const id = useId();
  return (
    <div className="schedule-field">
      <label className="field-label" htmlFor={id}>
        {label}
      </label>
      {cloneElement(children, { id })}
    </div>
  );
}

/** A whole number within bounds. */
function WholeNumber(props: { id?: string; min: number; max?: number; value: number; onChange: (n: number) => void }) {
  return (
    <input
      id={props.id}
      type="number"
      inputMode="numeric"
      step={1}
      min={props.min}
      max={props.max}
      value={props.value}
      onChange={(e) => props.onChange(Number(e.target.value))}
    />
  );
}

/** The dialog, while one is open (mounted once, in the right panel). */
export function ScheduleDialogHost() {
  const open = useScheduleDialog((s) => s.open);
  if (!open) return null;
  return <ScheduleDialog key={open.editing?.id ?? "new"} where={open.where} editing={open.editing} />;
}

function ScheduleDialog({ where, editing }: { where: ScheduleWhere | null; editing: Schedule | null }) {
  const dialog = useRef<HTMLDialogElement>(null);
  useModalDialog(dialog, true);
  const close = useScheduleDialog((s) => s.close);
  const client = useRoom((s) => s.client);
  const select = useUi((s) => s.select);
  const ids = useId();
  const textBox = useRef<HTMLTextAreaElement>(null);
  useEffect(() => textBox.current?.focus(), []);
  const threadTitle = useRoom((s) => {
    const threadId = editing?.action.threadId ?? where?.threadId;
    return threadId ? s.state.threads.get(threadId)?.title : undefined;
  });
  const inThread = editing ? editing.action.threadId !== undefined : where?.threadId !== undefined;
  const [kind, setKind] = useState<"prompt" | "task">(editing?.action.kind ?? (inThread ? "prompt" : "task"));
  const [text, setText] = useState(editing ? actionText(editing.action) : "");
  const [name, setName] = useState(editing?.name ?? "");
  const [picked, setPicked] = useState<Picked>(() => (editing ? pickerOf(editing.when) : defaultPicked()));
  const set = (change: Partial<Picked>) => setPicked((p) => ({ ...p, ...change }));
  const when = useMemo(() => pickerWhen(picked), [picked]);
  const next = useMemo(() => (when ? previewNextRun(when) : null), [when]);
  const viewerId = useRoom((s) => s.principal?.id ?? null);
  const save = useAction(async () => {
    if (!client || !when) return;
    if (editing) {
      const original = actionText(editing.action);
      const changes = {
        ...(sameWhen(when, editing.when) ? {} : { when }),
        ...(text.trim() !== original ? { text: text.trim() } : {}),
        ...(name.trim() && name.trim() !== editing.name ? { name: name.trim() } : {}),
      };
      if (Object.keys(changes).length > 0)
        await client.request("schedules.update", { scheduleId: editing.id, ...changes });
      close();
      return;
    }
    if (!where) return;
    const action =
      kind === "prompt" && where.threadId
        ? { kind: "prompt" as const, threadId: where.threadId, text: text.trim() }
        : {
            kind: "task" as const,
            goal: text.trim(),
            ...(where.threadId ? { threadId: where.threadId } : { projectId: where.projectId }),
          };
    const { schedule } = await client.request("schedules.create", {
      when,
      action,
      ...(name.trim() ? { name: name.trim() } : {}),
    });
    // One that runs from its webhook gets its URL at once: shown in its view, this once.
    if (when.kind === "hook") {
      const { path } = await client.request("schedules.hook", { scheduleId: schedule.id, enabled: true });
      if (path) useShownHook.getState().show(schedule.id, path);
    }
    close();
    select(`schedule:${schedule.id}`);
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (text.trim() && when) save.run();
  };
  const place = editing ? (threadTitle ?? "its project") : (where?.name ?? "");
  return (
    <dialog
      ref={dialog}
      className="task-start schedule-dialog"
      onClose={close}
      aria-modal="true"
      aria-labelledby={`${ids}-h`}
    >
      <form onSubmit={submit}>
        <header>
          <h2 id={`${ids}-h`}>{editing ? "Edit schedule" : "New schedule"}</h2>
          <button type="button" className="icon" onClick={close} aria-label="Close">
            ✕
          </button>
        </header>
        <div className="task-start-body">
          <p className="muted small">
            {runsAsWords(editing?.createdBy ?? null, viewerId)}, with nobody connected, in <strong>{place}</strong>.
            Pause or delete it any time from Schedules.
          </p>
          {!editing && inThread && (
            <fieldset className="schedule-kind">
              <legend className="field-label">What it does</legend>
              <label>
                <input type="radio" name="kind" checked={kind === "prompt"} onChange={() => setKind("prompt")} /> Post a
                message in this thread
              </label>
              <label>
                <input type="radio" name="kind" checked={kind === "task"} onChange={() => setKind("task")} /> Give the
                Autopilot a task here
              </label>
            </fieldset>
          )}
          <TextField
            multiline
            id={`${ids}-text`}
            label={kind === "prompt" ? "Message" : "Goal"}
            ref={textBox}
            value={text}
            rows={3}
            maxLength={MAX_SCHEDULE_TEXT}
            required
            onChange={setText}
            placeholder={
              kind === "prompt"
                ? "What should it post? e.g. @autopilot summarise yesterday's threads"
                : "What should the Autopilot get done each time?"
            }
          />
          <div className="schedule-when">
            <Field label="Repeat">
              <select value={picked.repeat} onChange={(e) => set({ repeat: e.target.value as Repeat })}>
                <Options items={REPEATS} value={(r) => r.id} label={(r) => r.label} />
              </select>
            </Field>
            {picked.repeat === "once" && (
              <Field label="On">
                <input type="datetime-local" value={picked.at} required onChange={(e) => set({ at: e.target.value })} />
              </Field>
            )}
            {picked.repeat === "interval" && (
              <Field label="Every (minutes)">
                <WholeNumber min={1} value={picked.minutes} onChange={(minutes) => set({ minutes })} />
              </Field>
            )}
            {picked.repeat === "weekly" && (
              <Field label="On">
                <select value={picked.weekday} onChange={(e) => set({ weekday: Number(e.target.value) })}>
                  {WEEKDAYS.map((day, i) => (
                    <option key={day} value={i}>
                      {day}
                    </option>
                  ))}
                </select>
              </Field>
            )}
            {picked.repeat === "monthly" && (
              <Field label="On day">
                <WholeNumber min={1} max={28} value={picked.monthDay} onChange={(monthDay) => set({ monthDay })} />
              </Field>
            )}
            {picked.repeat === "hourly" && (
              <Field label="At minute">
                <WholeNumber
                  min={0}
                  max={59}
                  value={Number(picked.time.split(":")[1] ?? 0)}
                  onChange={(minute) => set({ time: `00:${String(minute).padStart(2, "0")}` })}
                />
              </Field>
            )}
            {["daily", "weekdays", "weekly", "monthly"].includes(picked.repeat) && (
              <Field label="At">
                <input type="time" value={picked.time} required onChange={(e) => set({ time: e.target.value })} />
              </Field>
            )}
            {picked.repeat === "custom" && (
              <Field label="Cron expression">
                <input
                  value={picked.expression}
                  spellCheck={false}
                  placeholder="0 9 * * 1-5"
                  onChange={(e) => set({ expression: e.target.value })}
                />
              </Field>
            )}
            {!["once", "interval", "hook"].includes(picked.repeat) && (
              <ZonePicker value={picked.timeZone} onChange={(timeZone) => set({ timeZone })} />
            )}
          </div>
          <p className="schedule-preview" aria-live="polite">
            {when?.kind === "hook" ? (
              <>
                Runs <strong>when its webhook is called</strong>: a POST to its URL, which you get once it is made,
                starts it (a CI failure, an alert); what the call sends goes with it.
              </>
            ) : when ? (
              <>
                Runs <strong>{whenWords(when)}</strong>
                {next !== null ? <> · next {momentWords(next)} your time</> : " · that time has passed"}
              </>
            ) : (
              "Choose when it runs."
            )}
          </p>
          <TextField id={`${ids}-name`} label="Name (optional)" value={name} maxLength={200} onChange={setName} />
          <FormError error={save.error} />
        </div>
        <footer className="button-row">
          <button type="button" className="small" onClick={close} disabled={save.pending}>
            Cancel
          </button>
          <button type="submit" className="primary small" disabled={save.pending || !text.trim() || !when}>
            {save.pending ? "Saving…" : editing ? "Save" : "Create schedule"}
          </button>
        </footer>
      </form>
    </dialog>
  );
}
