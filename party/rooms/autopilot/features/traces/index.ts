import { defineFeature } from "../../kernel/feature";
import { operatorTarget } from "./config";
import { TraceExporter } from "./exporter";

export { traceIdsOf } from "./trace-runs";
export { counters as traceCounters } from "./queue";

/**
 * One OpenTelemetry trace per run of the Autopilot (a reply's run, a task), exported over
 * OTLP/HTTP to the operator's collector (decision 80, docs/operations.md "Traces"): made from
 * what the run already wrote (its log, the ledger, the approvals) once it wrote it, so no run
 * waits on a span; no message text in them unless content capture is on.
 */
export const traces = defineFeature({
  name: "traces",
  schedules: ["flushTraces"],
  build: (s) => {
    const exporter = new TraceExporter({
      sql: s.sql,
      env: s.env,
      workspaceId: s.workspaceId,
      target: () => operatorTarget(s.env),
      options: () => ({ captureContent: false }),
      background: (work) => void s.keepAliveWhile(work),
      retryIn: async (seconds) => {
        await s.scheduler.set(seconds, "flushTraces");
      },
      changed: () => {},
    });
    /** A chat run's id is its run's, a segment's number after it (features/agent/runner.ts). */
    const runOfChat = (chatRunId: string): string => chatRunId.split(".")[0] ?? chatRunId;
    return {
      heard: {
        "runlog.appended": ({ runId }) => exporter.touched(runId),
        // A reply's run ends with its segment's end (its log has no end entry).
        "chat.final": ({ runId }) => exporter.touched(runOfChat(runId)),
        "chat.error": ({ runId }) => exporter.touched(runOfChat(runId)),
      },
      schedules: { flushTraces: () => exporter.flush() },
      start: () => exporter.start(),
    };
  },
});
