import type { RunsStatsResult } from "../../../../shared/protocol/runs";

/** A CSV field: quoted when it holds a comma, a quote or a line break; a formula's first character defused. */
function field(value: string | number | null): string {
  let text = value === null ? "" : String(value);
  // A spreadsheet runs a cell that starts with = + - @ as a formula: names come from people.
  if (typeof value === "string" && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

const csv = (rows: (string | number | null)[][]) => `${rows.map((row) => row.map(field).join(",")).join("\r\n")}\r\n`;

/**
 * The Runs view's figures as one CSV (RFC 4180): a row per day, per model and per tool, then
 * one per run of the page shown, each with its section's name first so one sheet holds them all.
 */
export function runsCsv(stats: RunsStatsResult, threadName: (id: string) => string): string {
  const rows: (string | number | null)[][] = [
    ["section", "name", "runs", "calls", "errors", "p50 ms", "p95 ms", "credits", "input tokens", "output tokens"],
  ];
  for (const d of stats.days)
    rows.push(["day", d.day, d.runs, null, d.errors, d.p50Ms, d.p95Ms, d.credits, null, null]);
  for (const m of stats.models)
    rows.push([
      "model",
      m.model,
      m.runs,
      m.calls,
      m.errors,
      m.p50Ms,
      m.p95Ms,
      m.credits,
      m.inputTokens,
      m.outputTokens,
    ]);
  for (const t of stats.tools)
    rows.push(["tool", t.tool, t.runs, t.calls, t.errors, t.p50Ms, t.p95Ms, null, null, null]);
  rows.push([]);
  rows.push([
    "run",
    "kind",
    "thread",
    "started by",
    "started",
    "duration ms",
    "outcome",
    "credits",
    "trace id",
    "thread id",
  ]);
  for (const r of stats.runs)
    rows.push([
      r.id,
      r.kind,
      threadName(r.threadId),
      r.triggeredBy?.name ?? "",
      new Date(r.startedAt).toISOString(),
      r.durationMs,
      r.outcome,
      r.credits,
      r.traceId,
      r.threadId,
    ]);
  return csv(rows);
}

/** Milliseconds as a person reads a run's time: "850 ms", "4.2 s", "3 min 5 s". */
export function msText(ms: number | null): string {
  if (ms === null) return "–";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 60) return `${minutes} min ${Math.round((ms % 60_000) / 1000)} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}
