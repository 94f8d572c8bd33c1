import { useEffect, useState } from "react";
import { creditsText } from "../../../../shared/billing-words";
import type { RunSummary } from "../../../../shared/protocol/runs";
import type { RunLogEntry } from "../../../../shared/protocol/tasks";
import { CopyField } from "../../lib/copy-field";
import { clockTime } from "../../lib/format";
import { entryTone, groupBySteps } from "../../lib/run-log";
import { useRoom } from "../../stores/room";
import { msText } from "./runs-csv";

/** The most entries the view reads of one run (the run log's own view reads on; Tasks has the whole log). */
const MAX_ENTRIES = 500;

/** A run's log, read whole up to the bound, and again as it grows. */
function useRunEntries(runId: string): { entries: RunLogEntry[] | null; error: string | null; cut: boolean } {
  const client = useRoom((s) => s.client);
  const [state, setState] = useState<{ entries: RunLogEntry[] | null; error: string | null; cut: boolean }>({
    entries: null,
    error: null,
    cut: false,
  });
  useEffect(() => {
    if (!client) return;
    let live = true;
    const read = async () => {
      try {
        const entries: RunLogEntry[] = [];
        let after = 0;
        for (;;) {
          const page = await client.runlog.list({ runId, after, limit: 100 });
          entries.push(...page.entries);
          if (page.next === null || entries.length >= MAX_ENTRIES) {
            if (live) setState({ entries: entries.slice(0, MAX_ENTRIES), error: null, cut: page.next !== null });
            return;
          }
          after = page.next;
        }
      } catch (e) {
        if (live) setState((s) => ({ ...s, error: `The run's steps could not be read: ${(e as Error).message}` }));
      }
    };
    void read();
    const off = client.on("runlog.appended", (payload) => {
      if (payload.runId === runId) void read();
    });
    // A task's step is not marked in its log (capability steps.folded): the task's change says it grew.
    const offTask = client.on("task.changed", ({ task }) => {
      if (task.id === runId) void read();
    });
    return () => {
      live = false;
      off();
      offTask();
    };
  }, [client, runId]);
  return state;
}

/** One run opened: what it was, its trace id to copy, and its steps as its log tells them. */
export function RunDetails({ run, threadName }: { run: RunSummary; threadName: string }) {
  const { entries, error, cut } = useRunEntries(run.id);
  const groups = groupBySteps(entries ?? []);
  return (
    <div className="run-details">
      <p className="small">
        {run.kind === "task" ? "A task" : "A reply"} in <strong>{threadName}</strong>
        {run.triggeredBy && <> started by {run.triggeredBy.name}</>} at {new Date(run.startedAt).toLocaleString()}:{" "}
        {run.durationMs === null ? "still going" : `${run.outcome} after ${msText(run.durationMs)}`},{" "}
        {creditsText(run.credits)}.
      </p>
      {run.traceId ? (
        <CopyField label="Trace id" value={run.traceId} copyLabel="Copy trace id" mono />
      ) : (
        <p className="muted small">No trace was made of this run: no collector was set when it ran.</p>
      )}
      {error && (
        <p className="notice" role="alert">
          {error}
        </p>
      )}
      <ol className="run-detail-steps" aria-label="Steps">
        {entries === null && !error && <li className="muted small">Reading the steps…</li>}
        {entries !== null && groups.length === 0 && (
          <li className="muted small">This run wrote no steps: it ended before its first model call.</li>
        )}
        {groups.map((group) => (
          <li key={group.step}>
            <h4>
              {group.step === 0 ? "Before the first step" : `Step ${group.step}`}{" "}
              <span className="muted small">{clockTime(group.at)}</span>
            </h4>
            <ul>
              {group.entries.map((entry) => (
                <li key={entry.seq} className={`run-detail-entry tone-${entryTone(entry)}`}>
                  {entry.text}
                </li>
              ))}
            </ul>
          </li>
        ))}
      </ol>
      {cut && <p className="muted small">The first {MAX_ENTRIES} entries are shown.</p>}
    </div>
  );
}
