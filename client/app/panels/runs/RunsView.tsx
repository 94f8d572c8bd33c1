import { useCallback, useEffect, useId, useMemo, useRef, useState } from "react";
import { creditsText } from "../../../../shared/billing-words";
import type { RunSummary, RunsStatsResult } from "../../../../shared/protocol/runs";
import { downloadText } from "../../lib/download";
import { FormError } from "../../lib/form-error";
import { Options } from "../../lib/options";
import { useRoom } from "../../stores/room";
import { currentWorkspace, useSession } from "../../stores/session";
import { RunDetails } from "./RunDetails";
import { msText, runsCsv } from "./runs-csv";
import "./runs.css";

/**
 * The Runs view (decision 83, owners and admins): every run of the Autopilot over the last days
 * (`runs.stats`), per day in the reader's time zone, per model and per tool, and the runs
 * themselves, each opened to its steps and trace id. Read on open and after a reconnect, and
 * again (at most every two seconds) when a run grows, ends or is charged.
 */

const WINDOWS = [1, 7, 14, 30] as const;
const PAGE = 50;
const REREAD_EVERY_MS = 2000;
const LIVE_EVENTS = [
  "runlog.appended",
  "task.changed",
  "chat.final",
  "chat.error",
  "thread.bump",
  "billing.changed",
] as const;

interface Filters {
  days: number;
  projectId: string;
  threadId: string;
  triggeredBy: string;
}

const timeZone = (): string => {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
  } catch {
    return "UTC";
  }
};

const OUTCOME_WORDS: Record<RunSummary["outcome"], string> = {
  running: "running",
  waiting: "waiting",
  done: "done",
  stopped: "stopped",
  failed: "failed",
};

const dayName = (day: string) =>
  new Intl.DateTimeFormat(undefined, { weekday: "short", month: "short", day: "numeric", timeZone: "UTC" }).format(
    new Date(`${day}T00:00:00Z`),
  );

/** The figures for `filters`, read again while the view is open as runs go on. */
function useRunStats(filters: Filters, shown: number) {
  const client = useRoom((s) => s.client);
  const [stats, setStats] = useState<RunsStatsResult | null>(null);
  const [error, setError] = useState<string | null>(null);
  const asked = useRef(0);
  const read = useCallback(async () => {
    if (!client) return;
    const n = ++asked.current;
    try {
      const result = await client.runs.stats({
        days: filters.days,
        timeZone: timeZone(),
        limit: Math.min(200, Math.max(PAGE, shown)),
        ...(filters.projectId && { projectId: filters.projectId }),
        ...(filters.threadId && { threadId: filters.threadId }),
        ...(filters.triggeredBy && { triggeredBy: filters.triggeredBy }),
      });
      // An older answer that arrives after a newer one is dropped.
      if (n === asked.current) {
        setStats(result);
        setError(null);
      }
    } catch (e) {
      if (n === asked.current) setError(`The runs could not be read: ${(e as Error).message}. Try again in a moment.`);
    }
  }, [client, filters, shown]);
  useEffect(() => {
    if (!client) return;
    let timer: ReturnType<typeof setTimeout> | null = null;
    let last = 0;
    // At most one read per window, the last change always read.
    const soon = () => {
      if (timer) return;
      timer = setTimeout(
        () => {
          timer = null;
          last = Date.now();
          void read();
        },
        Math.max(0, last + REREAD_EVERY_MS - Date.now()),
      );
    };
    const offs = [client.on("hello", () => void read()), ...LIVE_EVENTS.map((e) => client.on(e, soon))];
    if (client.hello) void read();
    return () => {
      if (timer) clearTimeout(timer);
      for (const off of offs) off();
    };
  }, [client, read]);
  return { stats, error, setStats };
}

function DayTable({ stats }: { stats: RunsStatsResult }) {
  const most = Math.max(1, ...stats.days.map((d) => d.runs));
  return (
    <div className="runs-scroll">
      <table className="runs-table runs-days">
        <caption>Per day</caption>
        <thead>
          <tr>
            <th scope="col">Day</th>
            <th scope="col">Runs</th>
            <th scope="col">Failed</th>
            <th scope="col">p50</th>
            <th scope="col">p95</th>
            <th scope="col">Credits</th>
          </tr>
        </thead>
        <tbody>
          {stats.days.map((d) => (
            <tr key={d.day} data-day={d.day}>
              <th scope="row">{dayName(d.day)}</th>
              <td className="runs-bar-cell">
                <span className="runs-bar-row">
                  <span className="runs-bar" aria-hidden="true">
                    <span className="runs-bar-ok" style={{ width: `${((d.runs - d.errors) / most) * 100}%` }} />
                    <span className="runs-bar-bad" style={{ width: `${(d.errors / most) * 100}%` }} />
                  </span>
                  <span className="num">{d.runs}</span>
                </span>
              </td>
              <td className={`num ${d.errors > 0 ? "runs-bad" : ""}`}>{d.errors}</td>
              <td className="num">{msText(d.p50Ms)}</td>
              <td className="num">{msText(d.p95Ms)}</td>
              <td className="num">{d.credits.toLocaleString()}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function ModelTable({ stats }: { stats: RunsStatsResult }) {
  return (
    <div className="runs-scroll">
      <table className="runs-table">
        <caption>Per model</caption>
        <thead>
          <tr>
            <th scope="col">Model</th>
            <th scope="col">Calls</th>
            <th scope="col">Failed</th>
            <th scope="col">p50</th>
            <th scope="col">p95</th>
            <th scope="col">Tokens</th>
            <th scope="col">Credits</th>
          </tr>
        </thead>
        <tbody>
          {stats.models.length === 0 ? (
            <tr>
              <td colSpan={7} className="muted">
                No model calls in these runs.
              </td>
            </tr>
          ) : (
            stats.models.map((m) => (
              <tr key={m.model}>
                <th scope="row" className="runs-name">
                  {m.model}
                </th>
                <td className="num">{m.calls.toLocaleString()}</td>
                <td className={`num ${m.errors > 0 ? "runs-bad" : ""}`}>{m.errors}</td>
                <td className="num">{msText(m.p50Ms)}</td>
                <td className="num">{msText(m.p95Ms)}</td>
                <td className="num">{(m.inputTokens + m.outputTokens).toLocaleString()}</td>
                <td className="num">{m.credits.toLocaleString()}</td>
              </tr>
            ))
          )}
        </tbody>
      </table>
    </div>
  );
}

function ToolTable({ stats }: { stats: RunsStatsResult }) {
  return (
    <div className="runs-scroll">
      <table className="runs-table">
        <caption>Per tool</caption>
        <thead>
          <tr>
            <th scope="col">Tool</th>
            <th scope="col">Calls</th>
            <th scope="col">Runs</th>
            <th scope="col">Failed</th>
            <th scope="col">p50</th>
            <th scope="col">p95</th>
          </tr>
        </thead>
        <tbody>
          {stats.tools.length === 0 ? (
            <tr>
              <td colSpan={6} className="muted">
                No tool calls in these runs.
              </td>
            </tr>
          ) : (
            stats.tools.map((t) => (
              <tr key={t.tool}>
                <th scope="row" className="runs-name">
                  <code>{t.tool}</code>
                </th>
                <td className="num">{t.calls.toLocaleString()}</td>
                <td className="num">{t.runs.toLocaleString()}</td>
                <td className={`num ${t.errors > 0 ? "runs-bad" : ""}`}>{t.errors}</td>
                <td className="num">{msText(t.p50Ms)}</td>
                <td className="num">{msText(t.p95Ms)}</td>
              </tr>
            ))
          )}
        </tbody>
      </table>
    </div>
  );
}

function RunList({
  runs,
  threadName,
  open,
  setOpen,
}: {
  runs: readonly RunSummary[];
  threadName: (id: string) => string;
  open: string | null;
  setOpen: (id: string | null) => void;
}) {
  return (
    <ul className="runs-list" aria-label="Runs">
      {runs.map((run) => (
        <li key={run.id} className={`runs-item outcome-${run.outcome}`} data-run={run.id}>
          <button
            type="button"
            className="runs-open"
            aria-expanded={open === run.id}
            aria-controls={`run-${run.id}`}
            onClick={() => setOpen(open === run.id ? null : run.id)}
          >
            <span className="runs-item-title">
              {run.kind === "task" ? "Task" : "Reply"} in {threadName(run.threadId)}
            </span>
            <span className={`chip chip-${run.outcome}`}>{OUTCOME_WORDS[run.outcome]}</span>
            <span className="muted small runs-item-line">
              {new Date(run.startedAt).toLocaleString(undefined, { dateStyle: "short", timeStyle: "short" })}
              {run.triggeredBy && ` · ${run.triggeredBy.name}`}
              {` · ${run.durationMs === null ? "going on" : msText(run.durationMs)} · ${creditsText(run.credits)}`}
            </span>
          </button>
          {open === run.id && (
            <div id={`run-${run.id}`}>
              <RunDetails run={run} threadName={threadName(run.threadId)} />
            </div>
          )}
        </li>
      ))}
    </ul>
  );
}

export function RunsView() {
  const manager = useSession((s) => currentWorkspace(s)?.scopes.includes("admin") ?? false);
  const threads = useRoom((s) => s.state.threads);
  const projects = useRoom((s) => s.state.projects);
  const client = useRoom((s) => s.client);
  const [filters, setFilters] = useState<Filters>({ days: 7, projectId: "", threadId: "", triggeredBy: "" });
  const [shown, setShown] = useState(PAGE);
  const [open, setOpen] = useState<string | null>(null);
  const { stats, error, setStats } = useRunStats(filters, shown);
  const [olderError, setOlderError] = useState<string | null>(null);
  const headingId = useId();
  const threadName = useCallback((id: string) => threads.get(id)?.title ?? "a thread no longer listed", [threads]);
  const threadChoices = useMemo(
    () => [...threads.values()].sort((a, b) => a.title.localeCompare(b.title)).slice(0, 300),
    [threads],
  );
  const set = (change: Partial<Filters>) => {
    setFilters((f) => ({ ...f, ...change }));
    setShown(PAGE);
  };
  if (!manager)
    return (
      <section className="runs-view">
        <h2>Runs</h2>
        <p className="muted">Only the workspace's owners and admins see its runs over time.</p>
      </section>
    );
  const older = async () => {
    if (!client || !stats?.nextBefore) return;
    try {
      const page = await client.runs.stats({
        days: filters.days,
        timeZone: timeZone(),
        limit: PAGE,
        before: stats.nextBefore,
        ...(filters.projectId && { projectId: filters.projectId }),
        ...(filters.threadId && { threadId: filters.threadId }),
        ...(filters.triggeredBy && { triggeredBy: filters.triggeredBy }),
      });
      setStats({ ...stats, runs: [...stats.runs, ...page.runs], nextBefore: page.nextBefore });
      setShown(stats.runs.length + page.runs.length);
      setOlderError(null);
    } catch (e) {
      setOlderError(`Older runs could not be read: ${(e as Error).message}`);
    }
  };
  const exportCsv = () => {
    if (!stats) return;
    downloadText(`runs-${stats.days[0]?.day ?? "window"}-${filters.days}d.csv`, runsCsv(stats, threadName), "text/csv");
  };
  const t = stats?.totals;
  return (
    <section className="runs-view" aria-labelledby={headingId}>
      <div className="runs-head">
        <h2 id={headingId}>Runs</h2>
        <button type="button" className="small" onClick={exportCsv} disabled={!stats}>
          Export CSV
        </button>
      </div>
      <form className="runs-filters" aria-label="Filter the runs" onSubmit={(e) => e.preventDefault()}>
        <label>
          Days
          <select value={filters.days} onChange={(e) => set({ days: Number(e.target.value) })}>
            <Options items={WINDOWS} value={String} label={(d) => (d === 1 ? "today" : `last ${d} days`)} />
          </select>
        </label>
        <label>
          Project
          <select value={filters.projectId} onChange={(e) => set({ projectId: e.target.value })}>
            <option value="">all</option>
            <Options items={[...projects.values()]} value={(p) => p.id} label={(p) => p.name} />
          </select>
        </label>
        <label>
          Thread
          <select value={filters.threadId} onChange={(e) => set({ threadId: e.target.value })}>
            <option value="">all</option>
            <Options items={threadChoices} value={(th) => th.id} label={(th) => th.title} />
          </select>
        </label>
        <label>
          Started by
          <select value={filters.triggeredBy} onChange={(e) => set({ triggeredBy: e.target.value })}>
            <option value="">anyone</option>
            <Options
              items={stats?.triggerers ?? []}
              value={(a) => a.id}
              label={(a) => (a.kind === "agent" ? `${a.name} (agent key)` : a.name)}
            />
          </select>
        </label>
      </form>
      <FormError error={error} />
      {!stats && !error && <p className="muted">Reading the runs…</p>}
      {stats && t && (
        <>
          <p className="runs-totals" role="status">
            {t.runs === 0
              ? `No runs ${filters.days === 1 ? "today" : `in the last ${filters.days} days`}${filters.projectId || filters.threadId || filters.triggeredBy ? " that match these filters" : ""}. When the Autopilot answers a message or runs a task, the run shows here.`
              : `${t.runs.toLocaleString()} ${t.runs === 1 ? "run" : "runs"}, ${t.errors} failed, p50 ${msText(t.p50Ms)}, p95 ${msText(t.p95Ms)}, ${creditsText(t.credits)}.`}
          </p>
          {stats.truncated && (
            <p className="notice small">
              These days held more runs than one view reads: the figures cover the newest. Choose fewer days or a
              filter.
            </p>
          )}
          {t.runs > 0 && (
            <>
              <DayTable stats={stats} />
              <ModelTable stats={stats} />
              <ToolTable stats={stats} />
              <h3 className="runs-list-h">Runs, newest first</h3>
              <RunList runs={stats.runs} threadName={threadName} open={open} setOpen={setOpen} />
              {stats.nextBefore !== null && (
                <button type="button" className="small" onClick={() => void older()}>
                  Show older runs
                </button>
              )}
              <FormError error={olderError} />
              <p className="muted small">
                Days in {stats.timeZone}. A reply's run is kept a week after it ends. Latency: from a run's start to its
                end; a model's per call; a tool's from the step before it to its result.
              </p>
            </>
          )}
        </>
      )}
    </section>
  );
}
