// The Runs view (decision 83): the runs of a window of days as the room's own rows tell them
// (the replies' runs, the tasks, their logs, the ledger), counted per day, per model and per
// tool, with a page of the runs themselves. Read on each ask, bounded: the newest rows first.
import { and, eq, gte } from "drizzle-orm";
import { Actor } from "../../../../../shared/protocol/principal";
import type {
  RunFigures,
  RunOutcome,
  RunSummary,
  RunsStatsParams,
  RunsStatsResult,
} from "../../../../../shared/protocol/runs";
import type { z } from "zod";
import { RoomError } from "../../../../domain/errors";
import type { Sql } from "../../../../domain/sql";
import { runLogFiguresSince, runsStartedSince } from "../agent/index";
import { ledgerTable } from "../billing/index";
import { projectOfThread } from "../projects/index";
import { tasksStartedSince } from "../tasks/index";
import { traceIdsOf } from "./trace-runs";

/** At most this many runs of each kind, log entries and ledger rows are read for one answer. */
const MAX_RUNS_READ = 5000;
const MAX_ENTRIES_READ = 50_000;
const DAY_MS = 86_400_000;

type Params = z.output<typeof RunsStatsParams>;
type Run = Omit<RunSummary, "traceId"> & { endedAt: number | null };

const REPLY_OUTCOME: Record<string, RunOutcome> = {
  queued: "running",
  streaming: "running",
  awaiting_approval: "waiting",
  finished: "done",
  failed: "failed",
  aborted: "stopped",
};
const TASK_OUTCOME: Record<string, RunOutcome> = {
  queued: "running",
  running: "running",
  waiting: "waiting",
  paused: "waiting",
  done: "done",
  stopped: "stopped",
  cancelled: "stopped",
  failed: "failed",
};
const ended = (outcome: RunOutcome) => outcome === "done" || outcome === "stopped" || outcome === "failed";

/** The nearest-rank percentile of sorted values; null for none. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return Math.round(sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!);
}

/** A tally: how many, how many failed, their times, their credits (a model's or tool's calls, tokens and runs too). */
class Tally {
  runs = 0;
  errors = 0;
  credits = 0;
  calls = 0;
  inputTokens = 0;
  outputTokens = 0;
  readonly of = new Set<string>();
  readonly times: number[] = [];
  figures(): RunFigures {
    const sorted = this.times.sort((a, b) => a - b);
    return {
      runs: this.runs,
      errors: this.errors,
      p50Ms: percentile(sorted, 50),
      p95Ms: percentile(sorted, 95),
      credits: this.credits,
    };
  }
}

/** The tally of `name` in `tallies`, made at its first use. */
function tallyOf(tallies: Map<string, Tally>, name: string): Tally {
  let tally = tallies.get(name);
  if (!tally) {
    tally = new Tally();
    tallies.set(name, tally);
  }
  return tally;
}

/** `YYYY-MM-DD` of a time in `timeZone`; a zone the runtime does not know is the asker's mistake. */
function dayFormat(timeZone: string): (at: number) => string {
  let format: Intl.DateTimeFormat;
  try {
    format = new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" });
  } catch {
    throw new RoomError("bad_request", `unknown time zone ${timeZone}: name one such as Europe/Paris, or UTC`, {
      timeZone,
    });
  }
  return (at) => {
    const parts = Object.fromEntries(format.formatToParts(at).map((p) => [p.type, p.value]));
    return `${parts.year}-${parts.month}-${parts.day}`;
  };
}

const actorOf = (json: string | null): z.infer<typeof Actor> | null => {
  if (!json) return null;
  try {
    const parsed = Actor.safeParse(JSON.parse(json));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
};

/** A run's row from what both kinds keep (id, thread, created, updated); its time only once it ended. */
function runRow(
  row: { id: string; threadId: string; createdAt: number; updatedAt: number },
  kind: Run["kind"],
  outcome: RunOutcome = "running",
  of: Pick<Run, "projectId" | "triggeredBy">,
): Run {
  const end = ended(outcome);
  return {
    id: row.id,
    kind,
    threadId: row.threadId,
    ...of,
    startedAt: row.createdAt,
    endedAt: end ? row.updatedAt : null,
    durationMs: end ? Math.max(0, row.updatedAt - row.createdAt) : null,
    outcome,
    credits: 0,
  };
}

/** The window's runs, both kinds, newest first; `truncated` when a kind had more than is read. */
function runsOf(sql: Sql, since: number): { runs: Run[]; truncated: boolean } {
  const projects = new Map<string, string | null>();
  const projectOf = (threadId: string) => {
    if (!projects.has(threadId)) projects.set(threadId, projectOfThread(sql, threadId)?.id ?? null);
    return projects.get(threadId) ?? null;
  };
  const replies = runsStartedSince(sql, since, MAX_RUNS_READ);
  const tasks = tasksStartedSince(sql, since, MAX_RUNS_READ);
  const runs: Run[] = [
    ...replies.map((r) =>
      runRow(r, "reply", REPLY_OUTCOME[r.status], { projectId: projectOf(r.threadId), triggeredBy: r.doc.triggeredBy }),
    ),
    ...tasks.map((t) =>
      runRow(t, "task", TASK_OUTCOME[t.status], { projectId: t.projectId, triggeredBy: actorOf(t.startedBy) }),
    ),
  ];
  runs.sort((a, b) => b.startedAt - a.startedAt || (a.id < b.id ? 1 : -1));
  return { runs, truncated: replies.length >= MAX_RUNS_READ || tasks.length >= MAX_RUNS_READ };
}

/** What each run was charged since `since`, and per model (the ledger's usage rows, filed under the run or the task). */
function chargesOf(sql: Sql, since: number) {
  const rows = sql.db
    .select({
      runId: ledgerTable.runId,
      taskId: ledgerTable.taskId,
      amount: ledgerTable.amount,
      model: ledgerTable.model,
      inputTokens: ledgerTable.inputTokens,
      outputTokens: ledgerTable.outputTokens,
    })
    .from(ledgerTable)
    .where(and(eq(ledgerTable.kind, "usage"), gte(ledgerTable.at, since)))
    .limit(MAX_ENTRIES_READ)
    .all();
  return { rows, truncated: rows.length >= MAX_ENTRIES_READ };
}

const keep = (run: Run, params: Params) =>
  (params.projectId === undefined || run.projectId === params.projectId) &&
  (params.threadId === undefined || run.threadId === params.threadId) &&
  (params.triggeredBy === undefined || run.triggeredBy?.id === params.triggeredBy);

export function runStats(sql: Sql, params: Params, now: number): RunsStatsResult {
  const dayOf = dayFormat(params.timeZone);
  // The window starts at the first moment of the first day in the asker's zone.
  const firstDay = dayOf(now - (params.days - 1) * DAY_MS);
  let from = now - params.days * DAY_MS - DAY_MS;
  while (dayOf(from) < firstDay) from += 60_000 * 15;
  const all = runsOf(sql, from);
  const triggerers = new Map<string, z.infer<typeof Actor>>();
  for (const run of all.runs) if (run.triggeredBy) triggerers.set(run.triggeredBy.id, run.triggeredBy);
  const runs = all.runs.filter((run) => keep(run, params));
  const byId = new Map(runs.map((run) => [run.id, run]));

  const charges = chargesOf(sql, from);
  const models = new Map<string, Tally>();
  for (const row of charges.rows) {
    const run = byId.get(row.runId ?? "") ?? byId.get(row.taskId ?? "");
    if (!run) continue;
    run.credits += -row.amount;
    const m = tallyOf(models, row.model ?? "unknown");
    m.credits += -row.amount;
    m.inputTokens += row.inputTokens ?? 0;
    m.outputTokens += row.outputTokens ?? 0;
  }

  const entries = runLogFiguresSince(sql, from, MAX_ENTRIES_READ);
  const tools = new Map<string, Tally>();
  const lastAt = new Map<string, number>();
  for (const e of entries) {
    const run = byId.get(e.runId);
    const previous = lastAt.get(e.runId) ?? run?.startedAt ?? e.at;
    lastAt.set(e.runId, e.at);
    if (!run) continue;
    if (e.kind === "model-call") {
      const m = tallyOf(models, e.model ?? "unknown");
      m.calls += 1;
      m.of.add(run.id);
      if (!e.ok) m.errors += 1;
      if (e.durationMs !== null) m.times.push(Math.max(0, e.durationMs));
    } else if (e.kind === "tool-call") {
      const t = tallyOf(tools, e.tool ?? "unknown");
      t.calls += 1;
      t.of.add(run.id);
      if (e.status === "failed") t.errors += 1;
      t.times.push(Math.max(0, e.at - previous));
    }
  }

  const totals = new Tally();
  const days = new Map<string, Tally>();
  for (let at = from; at <= now; at += DAY_MS / 4) days.set(dayOf(at), days.get(dayOf(at)) ?? new Tally());
  days.set(dayOf(now), days.get(dayOf(now)) ?? new Tally());
  for (const run of runs) {
    const day = days.get(dayOf(run.startedAt)) ?? new Tally();
    days.set(dayOf(run.startedAt), day);
    for (const t of [totals, day]) {
      t.runs += 1;
      if (run.outcome === "failed") t.errors += 1;
      t.credits += run.credits;
      if (run.durationMs !== null) t.times.push(run.durationMs);
    }
  }

  const page = runs.filter((run) => params.before === undefined || run.startedAt < params.before);
  const shown = page.slice(0, params.limit);
  return {
    from,
    to: now,
    timeZone: params.timeZone,
    totals: totals.figures(),
    days: [...days.entries()]
      .filter(([day]) => day >= firstDay)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([day, t]) => ({ day, ...t.figures() })),
    models: [...models.entries()]
      .map(([model, t]) => ({
        model,
        ...t.figures(),
        runs: t.of.size,
        calls: t.calls,
        inputTokens: t.inputTokens,
        outputTokens: t.outputTokens,
      }))
      .sort((a, b) => b.calls - a.calls || a.model.localeCompare(b.model))
      .slice(0, 200),
    tools: [...tools.entries()]
      .map(([tool, t]) => ({ tool, ...t.figures(), runs: t.of.size, calls: t.calls }))
      .sort((a, b) => b.calls - a.calls || a.tool.localeCompare(b.tool))
      .slice(0, 500),
    runs: shown.map(({ endedAt: _endedAt, ...run }) => ({ ...run, traceId: traceIdsOf(sql, run.id)?.traceId ?? null })),
    nextBefore: page.length > params.limit ? (shown.at(-1)?.startedAt ?? null) : null,
    triggerers: [...triggerers.values()].slice(0, 500),
    truncated: all.truncated || charges.truncated || entries.length >= MAX_ENTRIES_READ,
  };
}
