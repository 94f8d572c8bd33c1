import { useMemo } from "react";
import type { Schedule } from "../../../../shared/protocol/schedules";
import { useAction } from "../../lib/action";
import { ActionButton } from "../../lib/action-button";
import { ClockIcon } from "../../lib/clock-icon";
import { ConfirmInline } from "../../lib/confirm-inline";
import { FormError } from "../../lib/form-error";
import { relativeTime } from "../../lib/format";
import { momentWords, nextRunWords, whenWords } from "../../lib/schedule-words";
import { useCan, useRoom } from "../../stores/room";
import { useSchedules } from "../../stores/schedules";
import { useUi } from "../../stores/ui";
import { type ScheduleWhere, useScheduleDialog } from "./ScheduleDialog";

/**
 * Schedules in the app (protocol 12): the Schedules tab lists the workspace's, a thread's
 * head and a project's view list theirs, and a schedule opens in the inspector with what it
 * does and when in words, its next run in the viewer's time, who made it, its last runs with
 * links to what they posted or started, and pause, resume, run now, edit and delete. What
 * shows is the room's (stores/schedules.ts follows `schedule.changed`).
 */

/** Active ones soonest first, then the rest (as the room lists them). */
function useScheduleList(filter?: (s: Schedule) => boolean): Schedule[] {
  const schedules = useSchedules((s) => s.schedules);
  return useMemo(() => {
    const all = [...schedules.values()].filter((s) => !filter || filter(s));
    const active = all.filter((s) => s.status === "active").sort((a, b) => (a.nextRunAt ?? 0) - (b.nextRunAt ?? 0));
    return [...active, ...all.filter((s) => s.status !== "active").sort((a, b) => b.updatedAt - a.updatedAt)];
  }, [schedules, filter]);
}

export function ScheduleStatusChip({ schedule }: { schedule: Pick<Schedule, "status" | "lastRun"> }) {
  const failing = schedule.status === "active" && schedule.lastRun?.status === "failed";
  return (
    <span className={`chip schedule-status schedule-${failing ? "failing" : schedule.status}`}>
      {failing ? "last run failed" : schedule.status}
    </span>
  );
}

/** Pause or resume, run now, edit and delete, for people with write (the room refuses what is not theirs, in words). */
export function ScheduleControls({ schedule }: { schedule: Schedule }) {
  const client = useRoom((s) => s.client);
  const canWrite = useCan("write");
  const edit = useScheduleDialog((s) => s.edit);
  const act = useAction(async (what: "pause" | "resume" | "run" | "delete") => {
    if (!client) return;
    const scheduleId = schedule.id;
    if (what === "pause") await client.request("schedules.pause", { scheduleId });
    else if (what === "resume") await client.request("schedules.resume", { scheduleId });
    else if (what === "run") await client.request("schedules.run", { scheduleId });
    else await client.request("schedules.delete", { scheduleId });
  });
  if (!canWrite) return null;
  const busy = act.pending;
  return (
    <div className="task-controls schedule-controls">
      <ActionButton action={act} payload="run" label="Run now" busyLabel="Starting…" />
      {schedule.status === "active" && <ActionButton action={act} payload="pause" label="Pause" busyLabel="Pausing…" />}
      {schedule.status === "paused" && (
        <ActionButton action={act} payload="resume" label="Resume" busyLabel="Resuming…" />
      )}
      <button type="button" className="small" disabled={busy} onClick={() => edit(schedule)} aria-haspopup="dialog">
        Edit
      </button>
      <ConfirmInline
        label="Delete"
        ariaLabel={`Delete the schedule ${schedule.name}`}
        question="Delete this schedule? It will not run again."
        yes="Yes, delete it"
        disabled={busy}
        onConfirm={() => act.run("delete")}
      />
      <FormError error={act.error} />
    </div>
  );
}

/** "every weekday at 09:00, Berlin time · next Thu 27 Nov, 09:00" */
function ScheduleTimes({ schedule }: { schedule: Schedule }) {
  return (
    <p className="muted small schedule-times">
      <span className="schedule-when-words">{whenWords(schedule.when)}</span>
      {" · "}
      {schedule.nextRunAt !== null ? (
        <>
          next <time dateTime={new Date(schedule.nextRunAt).toISOString()}>{nextRunWords(schedule)}</time>
        </>
      ) : (
        nextRunWords(schedule)
      )}
    </p>
  );
}

export function ScheduleRow({ schedule }: { schedule: Schedule }) {
  const select = useUi((s) => s.select);
  const selected = useUi((s) => s.selectedId === `schedule:${schedule.id}`);
  return (
    <li
      className={`queue-item schedule-row schedule-row-${schedule.status} ${selected ? "active" : ""}`}
      data-schedule-id={schedule.id}
    >
      <button type="button" className="queue-title" onClick={() => select(`schedule:${schedule.id}`, { focus: true })}>
        <span className="nav-title">{schedule.name}</span>
        <ScheduleStatusChip schedule={schedule} />
      </button>
      <ScheduleTimes schedule={schedule} />
      {schedule.lastRun && (
        <p className="small schedule-last">
          Last run {relativeTime(schedule.lastRun.at)}:{" "}
          {schedule.lastRun.status === "running" ? "running" : schedule.lastRun.outcome}
        </p>
      )}
      <ScheduleControls schedule={schedule} />
    </li>
  );
}

/** The Schedules tab: every schedule of the workspace. */
export function SchedulesPanel() {
  const list = useScheduleList();
  const known = useSchedules((s) => s.known);
  if (list.length === 0)
    return (
      <div className="empty-state">
        <h2>{known ? "No schedules" : "Loading schedules…"}</h2>
        {known && (
          <p>
            A schedule posts a message or gives the Autopilot a task at its times, with nobody connected — a standup
            every weekday at 9:00, a report each Monday. Make one from a thread or a project with{" "}
            <strong>Schedule…</strong>.
          </p>
        )}
      </div>
    );
  return (
    <ul className="queue schedule-list" aria-label="Schedules">
      {list.map((schedule) => (
        <ScheduleRow key={schedule.id} schedule={schedule} />
      ))}
    </ul>
  );
}

/** "Schedule…": a new schedule here, for people with write. */
export function NewScheduleButton({ where, className = "small" }: { where: ScheduleWhere; className?: string }) {
  const canWrite = useCan("write");
  const create = useScheduleDialog((s) => s.create);
  if (!canWrite) return null;
  return (
    <button type="button" className={className} onClick={() => create(where)} aria-haspopup="dialog">
      Schedule…
    </button>
  );
}

/** A thread's schedules, one line each, in its head. */
export function ThreadSchedules({ threadId }: { threadId: string }) {
  const filter = useMemo(() => (s: Schedule) => s.action.threadId === threadId, [threadId]);
  const list = useScheduleList(filter);
  const select = useUi((s) => s.select);
  if (list.length === 0) return null;
  return (
    <ul className="thread-schedules" aria-label="Schedules in this thread">
      {list.map((s) => (
        <li key={s.id}>
          <button type="button" className="link small" onClick={() => select(`schedule:${s.id}`, { focus: true })}>
            <ClockIcon /> {s.name}
          </button>{" "}
          <span className="muted small">
            {s.status === "active" && s.nextRunAt !== null ? `next ${momentWords(s.nextRunAt)}` : s.status}
          </span>
        </li>
      ))}
    </ul>
  );
}

/** A project's schedules in its view, with "Schedule…" (a task in a new thread of the project each time). */
export function ProjectSchedules({
  projectId,
  name,
  archived,
}: {
  projectId: string;
  name: string;
  archived: boolean;
}) {
  const filter = useMemo(
    () => (s: Schedule) => s.action.kind === "task" && s.action.projectId === projectId,
    [projectId],
  );
  const list = useScheduleList(filter);
  return (
    <section className="project-section project-schedules" aria-labelledby="project-schedules-h">
      <div className="project-section-head">
        <h3 id="project-schedules-h">Schedules</h3>
        {!archived && <NewScheduleButton where={{ projectId, name }} className="link small" />}
      </div>
      {list.length === 0 ? (
        <p className="empty">No schedules. A schedule gives the Autopilot a task here at its times.</p>
      ) : (
        <ul className="queue schedule-list" aria-label={`Schedules of ${name}`}>
          {list.map((schedule) => (
            <ScheduleRow key={schedule.id} schedule={schedule} />
          ))}
        </ul>
      )}
    </section>
  );
}

/** On a message a schedule posted: "scheduled", opening its schedule. */
export function ScheduledMark({ scheduleId }: { scheduleId: string }) {
  const schedule = useSchedules((s) => s.schedules.get(scheduleId));
  const select = useUi((s) => s.select);
  const title = schedule ? `Posted by the schedule “${schedule.name}”` : "Posted by a schedule that was deleted";
  if (!schedule)
    return (
      <span className="chip scheduled-mark" title={title}>
        scheduled
      </span>
    );
  return (
    <button
      type="button"
      className="chip scheduled-mark"
      title={title}
      aria-label={`Scheduled: open the schedule ${schedule.name}`}
      onClick={() => select(`schedule:${scheduleId}`, { focus: true })}
    >
      <ClockIcon size={11} /> scheduled
    </button>
  );
}
