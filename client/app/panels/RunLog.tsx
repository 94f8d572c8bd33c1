import { useEffect, useId, useMemo, useRef, useState } from "react";
import type { RunLogEntry, Task } from "../../../shared/protocol/tasks";
import { useAction } from "../lib/action";
import { FormError } from "../lib/form-error";
import { clockTime, countText } from "../lib/format";
import { labelledMarkdownText } from "../lib/markdown-text";
import { useModalDialog } from "../lib/modal";
import { downloadText } from "../lib/download";
import { useStickToBottom } from "../lib/stick-to-bottom";
import { durationText, entryTone, exportFileName, groupBySteps, tokensText, toolCallParts } from "../lib/run-log";
import { MAX_VIEW_ENTRIES, useTasks } from "../stores/tasks";
import { RunCost } from "./billing/RunCost";
import { ToolArguments } from "./ApprovalContext";
import { ResultWords, ToolJson } from "./ToolCall";

/**
 * A task's run log (protocol 9): what the Autopilot did, step by step, as the sentences the
 * room wrote — model calls with their tokens and time, tool calls with their arguments and
 * results folded, approvals and who decided, errors — grouped by step, growing live while
 * the task runs (stores/tasks.ts reads what a reconnect missed). "Export JSON" downloads
 * the whole log as the room keeps it.
 */

/** One entry; its time shows where it differs from the entry before (an approval can come days later). */
function EntryLine({ entry, time }: { entry: RunLogEntry; time: string | null }) {
  const tool = toolCallParts(entry);
  // How a run ended carries the Autopilot's answer ("Task done: ## Report …"): its words, not its Markdown.
  const text = useMemo(
    () => (entry.kind === "end" || entry.kind === "error" ? labelledMarkdownText(entry.text) : entry.text),
    [entry.kind, entry.text],
  );
  return (
    <li className={`run-entry run-${entry.kind} tone-${entryTone(entry)}`} data-seq={entry.seq}>
      <div className="run-entry-body">
        {tool ? (
          <details className="tool-call">
            <summary>
              <span className="run-text">{entry.text}</span>
              <span className="muted small run-more">arguments and result</span>
            </summary>
            <div className="tool-call-body">
              {/* In words (names for ids, local times), the JSON as the room kept it one disclosure down. */}
              <p className="field-label">Arguments</p>
              <ToolArguments text={tool.args} compact />
              <p className="field-label">Result</p>
              <ResultWords text={tool.result} />
              <ToolJson args={tool.args} result={tool.result} />
            </div>
          </details>
        ) : (
          <span className="run-text">{text}</span>
        )}
      </div>
      {time && <time dateTime={new Date(entry.at).toISOString()}>{time}</time>}
    </li>
  );
}

/** The log in a wide dialog, for reading a long run. */
function RunLogDialog({ task, close }: { task: Task; close: () => void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  useModalDialog(dialog, true);
  const id = useId();
  return (
    <dialog ref={dialog} className="run-log-dialog" onClose={close} aria-modal="true" aria-labelledby={id}>
      <header>
        <h2 id={id}>Run log</h2>
        <p className="muted small">{task.goal.split("\n")[0]}</p>
        <button type="button" className="icon" onClick={close} aria-label="Close the run log">
          ✕
        </button>
      </header>
      <RunLog task={task} wide />
    </dialog>
  );
}

const FINISHED = new Set<Task["status"]>(["done", "stopped", "failed", "cancelled"]);

export function RunLog({ task, wide = false }: { task: Task; wide?: boolean }) {
  const watchLog = useTasks((s) => s.watchLog);
  const exportLog = useTasks((s) => s.exportLog);
  const view = useTasks((s) => s.logs.get(task.id));
  const [expanded, setExpanded] = useState(false);
  const headingId = useId();
  useEffect(() => watchLog(task.id), [watchLog, task.id]);
  const entries = view?.entries;
  const groups = useMemo(() => groupBySteps(entries ?? []), [entries]);
  const exporting = useAction(async () => {
    const all = await exportLog(task.id);
    const file = { task, exportedAt: new Date().toISOString(), entries: all };
    downloadText(exportFileName(task), `${JSON.stringify(file, null, 2)}\n`, "application/json");
  });

  // Follows the newest entry while the reader is at the end, like a thread's messages.
  const { list, onScroll } = useStickToBottom<HTMLOListElement>([entries?.length]);

  return (
    <section className={`run-log ${wide ? "wide" : ""}`} {...(!wide && { "aria-labelledby": headingId })}>
      <div className="run-log-head">
        {/* In the dialog, the dialog's own heading names it. */}
        {!wide && <h3 id={headingId}>Run log</h3>}
        <span className="muted small" role="status">
          {view?.loading ? "Reading…" : countText(entries?.length ?? 0, "entry", "entries")}
        </span>
        {!wide && (
          <button type="button" className="small" onClick={() => setExpanded(true)} aria-haspopup="dialog">
            Expand
          </button>
        )}
        <button type="button" className="small" onClick={() => exporting.run()} disabled={exporting.pending}>
          {exporting.pending ? "Exporting…" : "Export JSON"}
        </button>
      </div>
      {expanded && <RunLogDialog task={task} close={() => setExpanded(false)} />}
      {/* A task's steps are charged under its id: its receipts are the run's. */}
      {!wide && <RunCost runId={task.id} live={!FINISHED.has(task.status)} />}
      <FormError error={exporting.error ?? view?.error} />
      <ol className="run-steps" ref={list} aria-label="Steps" aria-live="polite" onScroll={onScroll}>
        {groups.length === 0 && (
          <li className="empty">{view?.loading ? "Reading the log…" : "Nothing yet: the first step starts soon."}</li>
        )}
        {groups.map((group) => (
          <li key={group.step} className="run-step" data-step={group.step}>
            <h4>
              {group.step === 0 ? "Before the first step" : `Step ${group.step}`}
              <span className="muted small">
                {clockTime(group.at)}
                {group.tokens > 0 && ` · ${tokensText(group.tokens, true)} · ${durationText(group.durationMs)}`}
              </span>
            </h4>
            <ul className="run-entries">
              {group.entries.map((entry, i) => {
                const time = clockTime(entry.at);
                const before = i === 0 ? clockTime(group.at) : clockTime(group.entries[i - 1]!.at);
                return <EntryLine key={entry.seq} entry={entry} time={time === before ? null : time} />;
              })}
            </ul>
          </li>
        ))}
        {(entries?.length ?? 0) >= MAX_VIEW_ENTRIES && (
          <li className="muted small">
            Showing the first {MAX_VIEW_ENTRIES.toLocaleString()} entries; the export has them all.
          </li>
        )}
      </ol>
    </section>
  );
}
