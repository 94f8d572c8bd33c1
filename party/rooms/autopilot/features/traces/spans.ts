// A run's log entries (shared/protocol/tasks.ts RunLogEntry) as OpenTelemetry spans after the
// GenAI semantic conventions: the run is `invoke_agent`, each model call a `chat` under it,
// each tool call an `execute_tool` under the step's `chat`, each approval wait a span of its
// own with who decided, where and how long it waited. Pure: the caller reads the room.
import type { Approval } from "../../../../../shared/protocol/approvals";
import type { RunLogEntry } from "../../../../../shared/protocol/tasks";

export type AttributeValue = string | number | boolean | string[];

/** A finished span as the queue keeps it (ids in hex, times in ms). */
export interface SpanDoc {
  traceId: string;
  spanId: string;
  parentSpanId: string | null;
  name: string;
  /** SpanKind: 0 internal, 2 client. */
  kind: 0 | 2;
  start: number;
  end: number;
  error: string | null;
  attributes: Record<string, AttributeValue>;
}

/** What a run's trace keeps between entries (features/traces/tables.ts `trace_runs`). */
export interface TraceCursor {
  traceId: string;
  spanId: string;
  chatSpanId: string | null;
  lastAt: number;
}

/** Whether spans may carry what people and tools said (an owner's choice; off by default). */
export interface SpanOptions {
  captureContent: boolean;
}

const AGENT = "Autopilot";
/** Attribute values are bounded: a span is metadata, never a transcript. */
const MAX_VALUE = 4000;

export const spanId = (): string => hex(8);
export const traceId = (): string => hex(16);

function hex(bytes: number): string {
  const out = new Uint8Array(bytes);
  crypto.getRandomValues(out);
  return Array.from(out, (b) => b.toString(16).padStart(2, "0")).join("");
}

const bounded = (text: string): string => (text.length > MAX_VALUE ? `${text.slice(0, MAX_VALUE - 1)}…` : text);

const num = (value: unknown): number | null => (typeof value === "number" && Number.isFinite(value) ? value : null);
const str = (value: unknown): string | null => (typeof value === "string" ? value : null);

/** The `chat` span of a model-call entry, with what the ledger charged for it. */
export function chatSpan(cursor: TraceCursor, entry: RunLogEntry, credits: number): SpanDoc {
  const d = entry.details;
  const model = str(d.model) ?? "unknown";
  const durationMs = num(d.durationMs) ?? 0;
  const attributes: Record<string, AttributeValue> = {
    "gen_ai.operation.name": "chat",
    "gen_ai.request.model": model,
    "autopilot.step": entry.step,
    "autopilot.credits": credits,
  };
  const finish = str(d.finishReason);
  if (finish) attributes["gen_ai.response.finish_reasons"] = [finish];
  const tokens = { input: num(d.inputTokens), output: num(d.outputTokens) };
  const error = d.ok === false ? "the model call failed" : null;
  return modelSpan(cursor, model, attributes, tokens, { start: entry.at - durationMs, end: entry.at, error });
}

/** A `chat` span (a client span under the run's cursor) with its token counts where known. */
function modelSpan(
  cursor: TraceCursor,
  model: string,
  attributes: Record<string, AttributeValue>,
  tokens: { input: number | null; output: number | null },
  at: { start: number; end: number; error: string | null },
): SpanDoc {
  if (tokens.input !== null) attributes["gen_ai.usage.input_tokens"] = tokens.input;
  if (tokens.output !== null) attributes["gen_ai.usage.output_tokens"] = tokens.output;
  return {
    traceId: cursor.traceId,
    spanId: spanId(),
    parentSpanId: cursor.spanId,
    name: `chat ${model}`,
    kind: 2,
    ...at,
    attributes,
  };
}

/** A model call the ledger charged the run for that its log has no entry of (a title, a summary). */
export function chargedCallSpan(
  cursor: TraceCursor,
  row: {
    at: number;
    model: string | null;
    purpose: string | null;
    inputTokens: number | null;
    outputTokens: number | null;
  },
  credits: number,
  end: number,
): SpanDoc {
  const model = row.model ?? "unknown";
  const attributes: Record<string, AttributeValue> = {
    "gen_ai.operation.name": "chat",
    "gen_ai.request.model": model,
    "autopilot.credits": credits,
  };
  if (row.purpose) attributes["autopilot.purpose"] = row.purpose;
  const tokens = { input: row.inputTokens, output: row.outputTokens };
  return modelSpan(cursor, model, attributes, tokens, { start: row.at, end: Math.max(row.at, end), error: null });
}

/** The `execute_tool` span of a tool-call entry, under its step's `chat` (the run's root before any). */
export function toolSpan(cursor: TraceCursor, entry: RunLogEntry, options: SpanOptions): SpanDoc {
  const d = entry.details;
  const tool = str(d.tool) ?? "unknown";
  const status = str(d.status) ?? "ok";
  const attributes: Record<string, AttributeValue> = {
    "gen_ai.operation.name": "execute_tool",
    "gen_ai.tool.name": tool,
    "gen_ai.tool.type": "function",
    "autopilot.step": entry.step,
    "autopilot.tool.status": status,
    // The Autopilot's tools act in the room and charge nothing themselves: a spend is the model's.
    "autopilot.credits": 0,
  };
  const callId = str(d.toolCallId);
  if (callId) attributes["gen_ai.tool.call.id"] = callId;
  const approvalId = str(d.approvalId);
  if (approvalId) attributes["autopilot.approval.id"] = approvalId;
  if (options.captureContent) {
    const args = str(d.arguments);
    const result = str(d.result);
    if (args !== null) attributes["gen_ai.tool.call.arguments"] = bounded(args);
    if (result !== null) attributes["gen_ai.tool.call.result"] = bounded(result);
  }
  return {
    traceId: cursor.traceId,
    spanId: spanId(),
    parentSpanId: cursor.chatSpanId ?? cursor.spanId,
    name: `execute_tool ${tool}`,
    kind: 0,
    start: Math.min(cursor.lastAt, entry.at),
    end: entry.at,
    error: status === "error" ? "the tool call failed" : null,
    attributes,
  };
}

/**
 * The wait for a person's decision: from the request to the decision (or the entry, for an
 * approval the room no longer has), whom it was sent to, who decided and where.
 */
export function approvalSpan(
  cursor: TraceCursor,
  entry: RunLogEntry,
  approval: Approval | null,
  sentTo: string[],
): SpanDoc {
  const start = approval?.requestedAt ?? cursor.lastAt;
  const end = approval?.resolvedAt ?? entry.at;
  const status = approval?.status ?? str(entry.details.status) ?? "unknown";
  const attributes: Record<string, AttributeValue> = {
    "autopilot.approval.id": approval?.id ?? str(entry.details.approvalId) ?? "",
    "autopilot.approval.status": status,
    "autopilot.approval.wait_ms": Math.max(0, end - start),
    "autopilot.approval.sent_to": sentTo,
    "autopilot.step": entry.step,
  };
  if (approval) {
    attributes["autopilot.approval.risk"] = approval.risk;
    if (approval.action?.kind) attributes["autopilot.approval.action"] = approval.action.kind;
    if (approval.action?.kind === "tool") attributes["gen_ai.tool.name"] = approval.action.tool;
  }
  if (approval?.resolvedBy) {
    attributes["autopilot.approval.decided_by.id"] = approval.resolvedBy.id;
    attributes["autopilot.approval.decided_by.name"] = approval.resolvedBy.name;
  }
  if (approval?.decidedIn) attributes["autopilot.approval.decided_in"] = approval.decidedIn;
  return {
    traceId: cursor.traceId,
    spanId: spanId(),
    parentSpanId: cursor.spanId,
    name: "await_approval",
    kind: 0,
    start: Math.min(start, end),
    end,
    error: null,
    attributes,
  };
}

/** An error the run's log recorded (a refused ask, a retry): a point in the trace. */
export function errorSpan(cursor: TraceCursor, entry: RunLogEntry, options: SpanOptions): SpanDoc {
  return {
    traceId: cursor.traceId,
    spanId: spanId(),
    parentSpanId: cursor.spanId,
    name: "autopilot.error",
    kind: 0,
    start: entry.at,
    end: entry.at,
    // The entry's sentence may quote what the run said: only with content capture on.
    error: options.captureContent ? bounded(entry.text) : "error",
    attributes: { "autopilot.step": entry.step },
  };
}

/** The run's root span, queued once the run ended. */
export function rootSpan(
  run: { runId: string; traceId: string; spanId: string; startedAt: number },
  about: {
    kind: "reply" | "task";
    threadId: string | null;
    projectId: string | null;
    triggeredBy: { id: string; name: string } | null;
    outcome: string;
    credits: number;
    workspaceId: string;
  },
  end: number,
): SpanDoc {
  const attributes: Record<string, AttributeValue> = {
    "gen_ai.operation.name": "invoke_agent",
    "gen_ai.agent.name": AGENT,
    "autopilot.run.id": run.runId,
    "autopilot.run.kind": about.kind,
    "autopilot.run.outcome": about.outcome,
    "autopilot.credits": about.credits,
    "autopilot.workspace.id": about.workspaceId,
  };
  if (about.threadId) attributes["gen_ai.conversation.id"] = about.threadId;
  if (about.projectId) attributes["autopilot.project.id"] = about.projectId;
  if (about.triggeredBy) {
    attributes["autopilot.triggered_by.id"] = about.triggeredBy.id;
    attributes["autopilot.triggered_by.name"] = about.triggeredBy.name;
  }
  const failed = ["failed", "stopped", "aborted", "cancelled"].includes(about.outcome);
  return {
    traceId: run.traceId,
    spanId: run.spanId,
    parentSpanId: null,
    name: `invoke_agent ${AGENT}`,
    kind: 0,
    start: run.startedAt,
    end: Math.max(run.startedAt, end),
    error: failed ? `the run ${about.outcome}` : null,
    attributes,
  };
}
