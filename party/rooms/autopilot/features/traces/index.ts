import { latestWindow } from "../../../../domain/latest-window";
import { defineFeature } from "../../kernel/feature";
import { local, methods, mutate, query } from "../../kernel/handlers";
import { TraceExporter } from "./exporter";
import { runStats } from "./run-stats";
import { configure, exporting, targetOf, traceSettings, tracesState } from "./settings";

export { traceIdsOf } from "./trace-runs";
export { counters as traceCounters } from "./queue";

/** How often at most owners' and admins' sockets are told how the export stands (`traces.changed`). */
const TRACES_TOLD_EVERY_MS = 1000;

/**
 * One OpenTelemetry trace per run of the Autopilot (a reply's run, a task), exported over
 * OTLP/HTTP to the workspace's own collector or else the operator's (decision 80,
 * docs/operations.md "Traces"): made from
 * what the run already wrote (its log, the ledger, the approvals) once it wrote it, so no run
 * waits on a span; no message text in them unless content capture is on.
 */
export const traces = defineFeature({
  name: "traces",
  schedules: ["flushTraces"],
  build: (s) => {
    // Each batch sent or failed changes the counters: owners' and admins' clients get the state
    // at most once a second, read when it goes (the newest, never one a later answer replaced).
    const tell = latestWindow<void>(
      () => s.toScope("admin", "traces.changed", { traces: tracesState(s.sql, s.env) }),
      TRACES_TOLD_EVERY_MS,
    );
    const exporter = new TraceExporter({
      sql: s.sql,
      env: s.env,
      workspaceId: s.workspaceId,
      target: () => targetOf(s.sql, s.env, s.workspaceId()),
      exporting: () => exporting(s.sql, s.env),
      options: () => ({ captureContent: traceSettings(s.sql).captureContent }),
      background: (work) => void s.keepAliveWhile(work),
      retryIn: async (seconds) => {
        await s.scheduler.set(seconds, "flushTraces");
      },
      changed: () => tell(),
    });
    /** A chat run's id is its run's, a segment's number after it (features/agent/runner.ts). */
    const runOfChat = (chatRunId: string): string => chatRunId.split(".")[0] ?? chatRunId;
    return {
      methods: methods({
        "traces.get": query((sql) => ({ traces: tracesState(sql, s.env) })),
        // The runs over time (decision 83): owners and admins (the registry's scope), read on each ask.
        "runs.stats": local(({ room, now }, params) => runStats(room.sql, params, now)),
        "traces.configure": mutate((ctx, params) => {
          const was = exporting(ctx.sql, s.env);
          configure(ctx.sql, s.env, s.workspaceId(), params, ctx.now);
          if (!was) exporter.exportingFrom(ctx.now);
          return { traces: tracesState(ctx.sql, s.env) };
        }),
      }),
      answered: {
        "traces.configure": () => {
          tell();
          // Spans waiting for the operator's collector go to the workspace's own once it is set.
          exporter.start();
        },
      },
      heard: {
        "runlog.appended": ({ runId }) => exporter.touched(runId),
        // A reply's run ends with its segment's end (its log has no end entry); a gateway's turn with its reply.
        "chat.final": ({ runId, aborted }) => {
          exporter.touched(runOfChat(runId));
          exporter.turnEnded(runId, aborted ? "aborted" : "done");
        },
        "chat.error": ({ runId }) => {
          exporter.touched(runOfChat(runId));
          exporter.turnEnded(runId, "failed");
        },
      },
      schedules: { flushTraces: () => exporter.flush() },
      start: () => exporter.start(),
    };
  },
});
