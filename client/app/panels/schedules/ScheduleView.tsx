import { useCallback, useState } from "react";
import type { Schedule, ScheduleRun } from "../../../../shared/protocol/schedules";
import { useAction } from "../../lib/action";
import { ConfirmInline } from "../../lib/confirm-inline";
import { FormError } from "../../lib/form-error";
import { relativeTime } from "../../lib/format";
import { useLoaded } from "../../lib/loaded";
import { actionWords, momentWords, nextRunWords, triggerWords, whenWords } from "../../lib/schedule-words";
import { useCan, useRoom } from "../../stores/room";
import { useSchedules } from "../../stores/schedules";
import { useUi } from "../../stores/ui";
import { useShownHook } from "./ScheduleDialog";
import { ScheduleControls, ScheduleStatusChip } from "./Schedules";

/**
 * A schedule in the inspector: what it does and when in words, its next run in the viewer's
 * time, whom it runs as, its controls, its webhook, and its last runs with links to what they
 * posted or started.
 */

const RUN_TONE: Record<ScheduleRun["status"], string> = {
  running: "chip-running",
  done: "chip-succeeded",
  failed: "chip-failed",
};

/** One run in a schedule's history: when, what started it, how it went and a link to what it made. */
function RunItem({ run }: { run: ScheduleRun }) {
  const openMessage = useUi((s) => s.openMessage);
  const select = useUi((s) => s.select);
  return (
    <li className={`schedule-run run-${run.status}`}>
      <p className="small">
        <time dateTime={new Date(run.at).toISOString()}>{momentWords(run.at)}</time> · {triggerWords(run)} ·{" "}
        <span className={`chip ${RUN_TONE[run.status]}`}>{run.status}</span>
      </p>
      {run.outcome && <p className="small schedule-run-outcome">{run.outcome}</p>}
      {run.missed > 0 && (
        <p className="muted small">
          One run for {run.missed + 1} times: the workspace was asleep through {run.missed}.
        </p>
      )}
      {run.messageId && run.threadId && (
        <button
          type="button"
          className="link small"
          onClick={() => openMessage({ threadId: run.threadId!, messageId: run.messageId!, n: 0 })}
        >
          Open what it posted
        </button>
      )}
      {run.taskId && (
        <button type="button" className="link small" onClick={() => select(`task:${run.taskId}`, { focus: true })}>
          Open the task it started
        </button>
      )}
    </li>
  );
}

/** A schedule's runs, read again whenever its newest run changes. */
function useRuns(schedule: Schedule): { runs: ScheduleRun[] | null; error: string | null } {
  const client = useRoom((s) => s.client);
  const newest = schedule.lastRun ? `${schedule.lastRun.at}:${schedule.lastRun.status}` : "";
  // biome-ignore lint/correctness/useExhaustiveDependencies: `newest` is what makes the history worth reading again
  const read = useCallback(
    async () => (await client!.request("schedules.runs", { scheduleId: schedule.id })).runs,
    [client, schedule.id, newest],
  );
  const { value, error } = useLoaded<ScheduleRun[] | null>(client ? read : null, null);
  return { runs: value, error };
}

/** A schedule in the inspector. */
export function ScheduleView({ scheduleId }: { scheduleId: string }) {
  const schedule = useSchedules((s) => s.schedules.get(scheduleId));
  const known = useSchedules((s) => s.known);
  // Where it acts: its thread, else its project (a task's), named as the room has it now.
  const action = schedule?.action;
  const place = action?.threadId
    ? { kind: "thread" as const, id: action.threadId }
    : action?.kind === "task" && action.projectId
      ? { kind: "project" as const, id: action.projectId }
      : null;
  const placeName = useRoom((s) =>
    place?.kind === "thread"
      ? s.state.threads.get(place.id)?.title
      : place
        ? s.state.projects.get(place.id)?.name
        : undefined,
  );
  const where = place && { ...place, name: placeName };
  const select = useUi((s) => s.select);
  if (!schedule)
    return (
      <div className="empty-state">
        <h2>{known ? "This schedule is gone" : "Loading…"}</h2>
        {known && <p>It was deleted. The messages and tasks it made stay where they are.</p>}
      </div>
    );
  return (
    <article className="schedule-view" aria-labelledby="schedule-view-h">
      <header className="inspector-head">
        <span className="eyebrow">Schedule</span>
        <h2 id="schedule-view-h">{schedule.name}</h2>
        <p>
          <ScheduleStatusChip schedule={schedule} />
        </p>
      </header>
      <dl className="schedule-facts">
        <dt>Does</dt>
        <dd>
          {actionWords(schedule)}
          {where && (
            <>
              {" in "}
              <button
                type="button"
                className="link"
                onClick={() => select(`${where.kind}:${where.id}`, { focus: true })}
              >
                {where.name ?? `a ${where.kind}`}
              </button>
            </>
          )}
        </dd>
        <dt>When</dt>
        <dd>{whenWords(schedule.when)}</dd>
        {schedule.when.kind !== "hook" && (
          <>
            <dt>Next run</dt>
            <dd>
              {schedule.nextRunAt !== null ? (
                <>
                  {nextRunWords(schedule)}{" "}
                  <span className="muted">({relativeTime(schedule.nextRunAt)}, your time)</span>
                </>
              ) : (
                nextRunWords(schedule)
              )}
            </dd>
          </>
        )}
        <dt>Runs as</dt>
        <dd>
          {schedule.createdBy.name}
          {schedule.createdBy.kind === "agent" && <span className="agent-chip">agent</span>}
          <span className="muted"> · made {relativeTime(schedule.createdAt)}</span>
        </dd>
      </dl>
      <ScheduleControls schedule={schedule} />
      <ScheduleHook schedule={schedule} />
      <ScheduleRuns schedule={schedule} />
    </article>
  );
}

function ScheduleRuns({ schedule }: { schedule: Schedule }) {
  const { runs, error } = useRuns(schedule);
  return (
    <section className="schedule-runs" aria-labelledby="schedule-runs-h">
      <h3 id="schedule-runs-h">Last runs</h3>
      {error ? (
        <FormError error={error} />
      ) : runs === null ? (
        <p className="muted small">Loading…</p>
      ) : runs.length === 0 ? (
        <p className="muted small">It has not run yet.</p>
      ) : (
        <ol className="schedule-run-list">
          {runs.map((run) => (
            <RunItem key={`${run.at}:${run.trigger}`} run={run} />
          ))}
        </ol>
      )}
    </section>
  );
}

/**
 * A schedule's webhook: whether it has one, when it was last called, a new URL (the one
 * before stops working) or none. A URL just made shows here this once, to copy.
 */
function ScheduleHook({ schedule }: { schedule: Schedule }) {
  const client = useRoom((s) => s.client);
  const canWrite = useCan("write");
  const shown = useShownHook((s) => (s.shown?.scheduleId === schedule.id ? s.shown.path : null));
  const act = useAction(async (enabled: boolean) => {
    if (!client) return;
    const { path } = await client.request("schedules.hook", { scheduleId: schedule.id, enabled });
    if (path) useShownHook.getState().show(schedule.id, path);
    else useShownHook.setState({ shown: null });
  });
  const [copied, setCopied] = useState(false);
  const url = shown && schedule.hook ? new URL(shown, location.origin).toString() : null;
  if (!schedule.hook && !canWrite) return null;
  return (
    <section className="schedule-hook" aria-labelledby="schedule-hook-h">
      <h3 id="schedule-hook-h">Webhook</h3>
      {schedule.hook ? (
        <p className="small">
          On since {relativeTime(schedule.hook.createdAt)}
          {schedule.hook.lastCalledAt !== null
            ? `, last called ${relativeTime(schedule.hook.lastCalledAt)}`
            : ", not called yet"}
          .
        </p>
      ) : (
        <p className="muted small">
          A webhook URL starts this schedule when something outside calls it — a CI failure, an alert — with what it
          sends handed to the run as text.
        </p>
      )}
      {url && (
        <div className="schedule-hook-url">
          <label className="field-label" htmlFor="schedule-hook-url">
            Its URL, shown this once: copy it now
          </label>
          <div className="schedule-hook-row">
            <input id="schedule-hook-url" readOnly value={url} onFocus={(e) => e.currentTarget.select()} />
            <button
              type="button"
              className="small"
              onClick={() =>
                void navigator.clipboard?.writeText(url).then(
                  () => setCopied(true),
                  () => setCopied(false),
                )
              }
            >
              {copied ? "Copied" : "Copy"}
            </button>
          </div>
          <p className="muted small">
            Anyone with it can start this schedule. Send the details as the body of a POST (up to 16 KiB), e.g.{" "}
            <code>curl -X POST --data-binary @failure.log &lt;URL&gt;</code>; an <code>Idempotency-Key</code> header
            makes a retry the same run.
          </p>
        </div>
      )}
      {canWrite && (
        <div className="schedule-controls">
          {schedule.hook ? (
            <>
              <ConfirmInline
                label="New URL"
                question="Make a new URL? The one it has stops working."
                yes="Yes, a new URL"
                plain
                disabled={act.pending}
                onConfirm={() => act.run(true)}
              />
              <ConfirmInline
                label="Turn off"
                ariaLabel="Turn the webhook off"
                question="Turn the webhook off? Its URL stops working."
                yes="Yes, turn it off"
                disabled={act.pending}
                onConfirm={() => act.run(false)}
              />
            </>
          ) : (
            <button type="button" className="small" disabled={act.pending} onClick={() => act.run(true)}>
              {act.pending ? "Making it…" : "Give it a webhook URL"}
            </button>
          )}
        </div>
      )}
      <FormError error={act.error} />
    </section>
  );
}
