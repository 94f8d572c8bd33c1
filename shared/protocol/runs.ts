import { z } from "zod";
import { EntityId, Timestamp } from "./common";
import { Actor } from "./principal";

/**
 * The Runs view (decision 83, owners and admins): every run of the Autopilot (a reply's run or a
 * task) over a window of days, read from the room's own rows (the runs, the tasks, their logs,
 * the ledger): per day, per model and per tool, how many, how long, how many failed, what they
 * cost; and a page of the runs themselves, newest first, with each one's trace id.
 */

/** The longest window asked for; the room keeps a finished reply's run a week. */
export const MAX_RUNS_DAYS = 31;
export const MAX_RUNS_PAGE = 200;

const TimeZone = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_+\-/]+$/, "a time zone is an IANA name such as Europe/Paris or UTC");

export const RunsStatsParams = z.object({
  /** Days back from now, today included. */
  days: z.number().int().min(1).max(MAX_RUNS_DAYS).default(7),
  /** The IANA time zone the days are counted in (the asker's); UTC unless given. */
  timeZone: TimeZone.default("UTC"),
  projectId: EntityId.optional(),
  threadId: EntityId.optional(),
  /** The person or agent key that started the runs (a principal id). */
  triggeredBy: EntityId.optional(),
  /** The page of runs: at most this many, started before `before` (the previous page's last `startedAt`). */
  limit: z.number().int().min(1).max(MAX_RUNS_PAGE).default(50),
  before: Timestamp.optional(),
});

/** How a run stands, one word for both kinds: a reply's `finished` is `done`, its `aborted` `stopped`. */
export const RunOutcome = z.enum(["running", "waiting", "done", "stopped", "failed"]);
export type RunOutcome = z.infer<typeof RunOutcome>;

/** Runs (or calls) counted, how long they took (ended ones only; null when none ended), how many failed, what they cost. */
const Figures = z.object({
  runs: z.number().int().nonnegative(),
  errors: z.number().int().nonnegative(),
  p50Ms: z.number().int().nonnegative().nullable(),
  p95Ms: z.number().int().nonnegative().nullable(),
  credits: z.number().int().nonnegative(),
});
export type RunFigures = z.infer<typeof Figures>;

export const RunsDay = Figures.extend({ day: z.string().regex(/^\d{4}-\d{2}-\d{2}$/) });
/** A model: `calls` its calls in the runs, `runs` the runs that called it; latency per call. */
export const RunsModel = Figures.extend({
  model: z.string().max(200),
  calls: z.number().int().nonnegative(),
  inputTokens: z.number().int().nonnegative(),
  outputTokens: z.number().int().nonnegative(),
});
/** A tool: latency per call is from the step's previous entry to the call's (the run log's times). */
export const RunsTool = Figures.extend({ tool: z.string().max(200), calls: z.number().int().nonnegative() });

export const RunSummary = z.object({
  id: EntityId,
  kind: z.enum(["reply", "task"]),
  threadId: EntityId,
  projectId: EntityId.nullable(),
  triggeredBy: Actor.nullable(),
  startedAt: Timestamp,
  /** Null while it runs or waits. */
  durationMs: z.number().int().nonnegative().nullable(),
  outcome: RunOutcome,
  credits: z.number().int().nonnegative(),
  /** Its OpenTelemetry trace (W3C, 32 hex digits), null when none was made (no collector). */
  traceId: z.string().max(64).nullable(),
});
export type RunSummary = z.infer<typeof RunSummary>;

export const RunsStatsResult = z.object({
  from: Timestamp,
  to: Timestamp,
  timeZone: z.string().max(64),
  totals: Figures,
  /** Every day of the window, oldest first, days without runs included. */
  days: z.array(RunsDay).max(MAX_RUNS_DAYS + 1),
  models: z.array(RunsModel).max(200),
  tools: z.array(RunsTool).max(500),
  runs: z.array(RunSummary).max(MAX_RUNS_PAGE),
  /** `before` for the next page; null: none left. */
  nextBefore: Timestamp.nullable(),
  /** Who started runs in the window (the filter's choices). */
  triggerers: z.array(Actor).max(500),
  /** True when the window held more runs or log entries than one answer reads: the figures cover the newest. */
  truncated: z.boolean(),
});
export type RunsStatsResult = z.infer<typeof RunsStatsResult>;
