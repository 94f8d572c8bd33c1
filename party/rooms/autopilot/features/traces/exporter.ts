// The room's span exporter: a pass turns the runs whose logs grew into spans (trace-runs.ts),
// then the queue goes to the collector in batches, one export at a time, in the background
// (keepAliveWhile), never inside a run. As OpenTelemetry's batch processor, it waits the
// schedule delay (OTEL_BSP_SCHEDULE_DELAY) after a run first writes: all that runs write
// meanwhile is made into spans in one pass per run and sent in one export (decision 92), not a
// pass, a transaction and a request per step. A failed batch is tried again on an alarm with a
// growing delay, then given up on and counted as dropped, as is whatever the bound pushes out.
// Each pass moves a durable cursor (one write per batch, none per step): after a restart the
// runs that wrote past it are passed over, so a run that ended within the delay before the
// room went down still gets its trace.
import type { Sql } from "../../../../domain/sql";
import { queueLimits } from "./config";
import { exportSpans, type OtlpTarget } from "./otlp";
import { counters, enqueue, hasQueued, head, passedAt, removeUpTo, setCounters, setPassedAt } from "./queue";
import type { SpanOptions } from "./spans";
import { forgetEndedTraces, openTraces, traceRun } from "./trace-runs";
import { gatewayTurnSpan, mayBeGatewayTurn } from "./gateway-turns";
import type { Env } from "../../../../env";
import { runsWrittenSince } from "../agent/index";

/** Tries of one batch before it is dropped; the delays between them grow from one second. */
export const MAX_ATTEMPTS = 3;

/** How long an ended run's trace ids are kept (as long as a finished run is), and how often that is swept. */
const TRACE_RETENTION_MS = 7 * 24 * 3_600_000;
const SWEEP_EVERY_MS = 3_600_000;

/**
 * How far before the cursor a restart looks: an entry's time is its writer's, which may be a
 * moment older than the pass that moved the cursor past it (passing a run again is harmless).
 */
const CURSOR_SLACK_MS = 60_000;
/** Runs passed over after a restart at most (a pass per run, in the background). */
const RESTART_RUNS = 1000;

export interface ExporterDeps {
  sql: Sql;
  env: Env;
  workspaceId(): string;
  /** Where spans go now; null: nowhere (no spans are made). */
  target(): OtlpTarget | null;
  /** Whether `target()` is not null, without opening a workspace's sealed headers (asked per log entry). */
  exporting(): boolean;
  options(): SpanOptions;
  /** Runs `work` in the background, the object kept awake meanwhile. */
  background(work: () => Promise<void>): void;
  /** Asks for `flush` again after `seconds` (an alarm: it survives the object going away). */
  retryIn(seconds: number): Promise<void>;
  /** The counters changed (the app shows them). */
  changed(): void;
}

export class TraceExporter {
  readonly #d: ExporterDeps;
  readonly #dirty = new Set<string>();
  #scheduled = false;
  #flushing = false;
  #retryPending = false;
  #sweptAt = 0;

  constructor(deps: ExporterDeps) {
    this.#d = deps;
  }

  /** A run wrote to its log or ended: its spans are made soon, after what wrote them is done. */
  touched(runId: string): void {
    if (!this.#d.exporting()) return;
    this.#dirty.add(runId);
    this.#schedule();
  }

  /** A gateway chat turn ended: its span is queued now (it has nothing more to wait for). */
  turnEnded(runId: string, outcome: "done" | "aborted" | "failed"): void {
    if (!mayBeGatewayTurn(runId) || !this.#d.exporting()) return;
    const { maxQueue } = queueLimits(this.#d.env);
    const span = this.#d.sql.transaction(() => {
      const made = gatewayTurnSpan(this.#d.sql, runId, {
        workspaceId: this.#d.workspaceId(),
        now: Date.now(),
        outcome,
      });
      if (made) enqueue(this.#d.sql, [made], maxQueue);
      return made;
    });
    if (span) this.#schedule();
  }

  /**
   * After a restart (or a collector set): every run whose trace is still open, and every run
   * that wrote past the cursor (what the timer knew before the room went down), is looked at again.
   */
  start(): void {
    if (!this.#d.exporting()) return;
    const sql = this.#d.sql;
    const since = passedAt(sql);
    if (since === null) setPassedAt(sql, Date.now());
    else for (const runId of runsWrittenSince(sql, since - CURSOR_SLACK_MS, RESTART_RUNS)) this.#dirty.add(runId);
    for (const runId of openTraces(sql)) this.#dirty.add(runId);
    if (this.#dirty.size > 0 || hasQueued(this.#d.sql)) this.#schedule();
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    this.#d.background(async () => {
      // Past the run's own work (what it wrote next, its charge, its end, is there), and past
      // the delay, so that a run's steps meanwhile are one pass and one export.
      await new Promise((resolve) => setTimeout(resolve, queueLimits(this.#d.env).delayMs));
      this.#scheduled = false;
      this.#pass();
      await this.flush();
    });
  }

  /** A collector was set where none was: runs written before are not the new collector's. */
  exportingFrom(at: number): void {
    // A restart looks back the slack from the cursor: from `at`, not before.
    setPassedAt(this.#d.sql, at + CURSOR_SLACK_MS);
  }

  #pass(): void {
    const runIds = [...this.#dirty];
    this.#dirty.clear();
    if (!this.#d.exporting()) return;
    const now = Date.now();
    if (now - this.#sweptAt > SWEEP_EVERY_MS) {
      this.#sweptAt = now;
      forgetEndedTraces(this.#d.sql, now - TRACE_RETENTION_MS);
    }
    const { maxQueue } = queueLimits(this.#d.env);
    const options = { ...this.#d.options(), workspaceId: this.#d.workspaceId() };
    let dropped = 0;
    for (const runId of runIds) {
      const more = this.#d.sql.transaction(() => {
        const { spans, more } = traceRun(this.#d.sql, runId, { ...options, now: Date.now() });
        dropped += enqueue(this.#d.sql, spans, maxQueue);
        return more;
      });
      // A run that wrote more than a pass reads within the delay: the rest on the next pass.
      if (more) this.touched(runId);
    }
    // Every run that wrote before now was heard and is passed over (or queued for the next pass).
    setPassedAt(this.#d.sql, now);
    if (dropped > 0) this.#d.changed();
  }

  /** Sends the queue, batch by batch, until it is empty or the collector fails. */
  async flush(): Promise<void> {
    if (this.#flushing) return;
    this.#flushing = true;
    try {
      for (;;) {
        const target = this.#d.target();
        if (!target) return;
        const { maxBatch } = queueLimits(this.#d.env);
        const batch = head(this.#d.sql, maxBatch);
        if (batch.spans.length === 0) return;
        const result = await exportSpans(target, batch.spans, this.#d.workspaceId());
        const now = Date.now();
        if (result.ok) {
          const sent = removeUpTo(this.#d.sql, batch.upTo);
          const c = counters(this.#d.sql);
          setCounters(this.#d.sql, { exported: c.exported + sent, attempts: 0, lastExportAt: now });
          this.#d.changed();
          continue;
        }
        const attempts = counters(this.#d.sql).attempts + 1;
        if (result.retry && attempts < MAX_ATTEMPTS) {
          setCounters(this.#d.sql, { attempts, lastError: result.error, lastErrorAt: now });
          this.#d.changed();
          await this.#retryLater(2 ** (attempts - 1));
          return;
        }
        // Given up on: the batch goes, counted, and the next one is tried.
        const dropped = removeUpTo(this.#d.sql, batch.upTo);
        const c = counters(this.#d.sql);
        setCounters(this.#d.sql, {
          dropped: c.dropped + dropped,
          attempts: 0,
          lastError: result.error,
          lastErrorAt: now,
        });
        this.#d.changed();
      }
    } finally {
      this.#flushing = false;
    }
  }

  async #retryLater(seconds: number): Promise<void> {
    if (this.#retryPending) return;
    this.#retryPending = true;
    try {
      await this.#d.retryIn(seconds);
    } finally {
      this.#retryPending = false;
    }
  }
}
