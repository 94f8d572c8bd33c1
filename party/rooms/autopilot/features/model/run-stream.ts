// One segment of an Autopilot run, independent of the room: `streamText`'s single-reader
// variant over the given context and tools, its stream turned into plain events the room maps onto chat deltas,
// tool messages, usage rows and approvals, and one terminal outcome.
//
// Failure rules (verified with ai 7): an `error` part fails the turn even when the SDK would go on to "finish" (a
// malformed chunk resolves the promises with finishReason "error"); an `abort` part is ours when our signal fired,
// otherwise a timeout (the SDK aborts its own controller with a TimeoutError) and so a failure.
import {
  experimental_streamTextLowMemory,
  isStepCount,
  type LanguageModel,
  type ModelMessage,
  type ToolApprovalStatus,
  type ToolSet,
} from "ai";
import { deadline } from "../../../../domain/deadline";
import { type CallEnd, reportedTokens } from "../billing/index";
import type { ModelTimeouts } from "./config";
import { describeModelError, errorLogFields, transientModelError } from "./model-errors";

export interface ApprovalRequest {
  /** The SDK's approval id: the resume answers it. */
  approvalId: string;
  toolCallId: string;
  tool: string;
  input: unknown;
}

/** What every tool-finished event says about its call (its status and outcome come on top). */
interface ToolFinished {
  type: "tool-finished";
  toolCallId: string;
  tool: string;
  input: unknown;
}

export type RunEvent =
  /** `offset` = characters of this segment's text before `text`. */
  | { type: "text"; offset: number; text: string }
  | { type: "tool-started"; toolCallId: string; tool: string; input: unknown }
  | (ToolFinished & { status: "ok"; output: unknown; durationMs: number | null })
  | (ToolFinished & { status: "error"; error: string; durationMs: number | null })
  | (ToolFinished & { status: "denied"; reason: string | null; durationMs: null })
  | ({ type: "approval-requested" } & ApprovalRequest)
  /** One model call (a step): how it ended, and its usage as the endpoint reported it (as counts: remote input). */
  | {
      type: "model-call";
      ended: CallEnd;
      inputTokens: number | null;
      outputTokens: number | null;
      durationMs: number;
      finishReason: string | null;
    };

export type RunOutcome =
  /** The model finished, or paused on approvals (`approvals` non-empty, finishReason "tool-calls"). */
  | {
      status: "finished";
      text: string;
      finishReason: string;
      responseMessages: ModelMessage[];
      approvals: ApprovalRequest[];
    }
  | { status: "failed"; text: string; error: string; transient: ReturnType<typeof transientModelError> }
  | { status: "aborted"; text: string; reason: string };

export interface RunStreamOptions {
  model: LanguageModel;
  instructions: string;
  messages: ModelMessage[];
  tools: ToolSet;
  /** features/toolset/tools.ts `toolApprovalPolicy(scopes)`: evaluated per call, again on resume. */
  toolApproval: (options: { toolCall: { toolName: string; input?: unknown } }) => ToolApprovalStatus;
  maxSteps: number;
  timeouts: ModelTimeouts;
  abortSignal?: AbortSignal;
  maxRetries?: number;
  maxOutputTokens?: number;
  /**
   * Between the SDK's steps, with what the next model call would send (the segment's messages
   * and every step's since): false stops the stream before that call (a budget said no).
   */
  mayContinue?: (next: ModelMessage[]) => boolean;
  /** The tools each model call is offered, from what it sends (features/toolset/offer.ts). */
  offered?: (messages: ModelMessage[]) => string[];
  /** Scrubbed from error lines (the key, and the endpoint's host). */
  apiKey?: string;
  baseURL?: string;
  onEvent: (event: RunEvent) => void | Promise<void>;
  /** Where failures are logged (name, status, scrubbed message only). */
  log?: (fields: ReturnType<typeof errorLogFields>) => void;
  now?: () => number;
}

const STEP_SEPARATOR = "\n\n";

/** The SDK's own telemetry, off (`runSegment` says why): its dispatcher then does no work. */
export const MODEL_TELEMETRY = { isEnabled: false } as const;

const toolErrorLine = (error: unknown): string =>
  (error instanceof Error
    ? error.message
    : typeof error === "string"
      ? error
      : (JSON.stringify(error) ?? String(error))
  ).slice(0, 1000);

/** Runs one segment; resolves with its outcome (it never rejects for model or tool failures). */
export async function runStream(options: RunStreamOptions): Promise<RunOutcome> {
  const total = totalTimeout(options.timeouts.totalMs);
  const chunks = chunkTimeout(options.timeouts.chunkMs);
  try {
    return await runSegment(options, total.signal, chunks);
  } finally {
    total.clear();
    chunks.stop();
  }
}

/** Stream parts that are the model's output: each one restarts the chunk timeout (as the SDK's `timeout.chunkMs` counts them). */
const OUTPUT_PARTS = new Set([
  "text-delta",
  "reasoning-delta",
  "tool-input-delta",
  "tool-call",
  "file",
  "reasoning-file",
]);

async function runSegment(
  options: RunStreamOptions,
  totalSignal: AbortSignal,
  chunks: ChunkTimeout,
): Promise<RunOutcome> {
  const now = options.now ?? Date.now;
  const emit = async (event: RunEvent) => {
    await options.onEvent(event);
  };
  const toolStarts = new Map<string, number>();
  /** What every tool-finished event says about its call (status and outcome come on top). */
  const finishedCall = (part: { toolCallId: string; toolName: string; input: unknown }) => {
    const started = toolStarts.get(part.toolCallId);
    return {
      type: "tool-finished" as const,
      toolCallId: part.toolCallId,
      tool: part.toolName,
      input: part.input,
      durationMs: started === undefined ? null : now() - started,
    };
  };
  /** Calls seen in this segment, and the reasons of calls the policy denied on its own. */
  const callInputs = new Map<string, unknown>();
  const automaticDenials = new Map<string, string>();
  const approvals: ApprovalRequest[] = [];
  let text = "";
  let stepHasText = false;
  let finishReason = "unknown";
  /** When the current model call started; null between calls. */
  let callStart: number | null = null;
  const endCall = async (
    ended: CallEnd,
    usage?: { inputTokens: number | undefined; outputTokens: number | undefined },
    reason?: string,
  ) => {
    if (callStart === null) return;
    const durationMs = now() - callStart;
    callStart = null;
    await emit({
      type: "model-call",
      ended,
      inputTokens: reportedTokens(usage?.inputTokens),
      outputTokens: reportedTokens(usage?.outputTokens),
      durationMs,
      finishReason: reason ?? null,
    });
  };
  const fail = async (error: unknown): Promise<RunOutcome> => {
    options.log?.(errorLogFields(error, options.apiKey, options.baseURL));
    await endCall("failed");
    return {
      status: "failed",
      text,
      error: describeModelError(error, {
        apiKey: options.apiKey,
        baseURL: options.baseURL,
        timeoutMs: options.timeouts.stepMs,
      }),
      transient: transientModelError(error),
    };
  };

  /** The segment's response messages, handed over by the SDK as its stream ends (`onEnd`). */
  const ended: { responseMessages?: ModelMessage[] } = {};
  // The stream is read once, here, and what is kept of it is `text` and the response messages:
  // the low-memory variant of `streamText` (same engine, options and parts) keeps no copy of
  // the stream for a second reader and no steps for later getters (decision 114).
  const result = experimental_streamTextLowMemory({
    model: options.model,
    instructions: options.instructions,
    messages: options.messages,
    tools: options.tools,
    toolApproval: options.toolApproval,
    ...(options.offered ? { prepareStep: ({ messages }) => ({ activeTools: options.offered!(messages) }) } : {}),
    stopWhen: options.mayContinue
      ? [
          isStepCount(options.maxSteps),
          ({ steps }) =>
            !options.mayContinue?.([...options.messages, ...steps.flatMap((step) => step.response.messages)]),
        ]
      : isStepCount(options.maxSteps),
    maxRetries: options.maxRetries ?? 1,
    ...(options.maxOutputTokens ? { maxOutputTokens: options.maxOutputTokens } : {}),
    // The whole turn's limit and the silence between chunks are ours (totalTimeout and
    // chunkTimeout below), not the SDK's `totalMs` and `chunkMs`.
    timeout: { stepMs: options.timeouts.stepMs },
    abortSignal: AbortSignal.any(
      options.abortSignal ? [options.abortSignal, totalSignal, chunks.signal] : [totalSignal, chunks.signal],
    ),
    onLanguageModelCallStart: () => {
      callStart = now();
      chunks.callStarted();
    },
    // The call's stream has ended: tools may run now, which the chunk timeout does not cover.
    onLanguageModelCallEnd: () => chunks.callEnded(),
    // When a call really starts, also one a person approved on resume: the SDK awaits this
    // right before the tool's execute (a callback, so no second copy of the run's tools wraps
    // every execute for it).
    onToolExecutionStart: async ({ toolCall }) => {
      toolStarts.set(toolCall.toolCallId, now());
      await emit({
        type: "tool-started",
        toolCallId: toolCall.toolCallId,
        tool: toolCall.toolName,
        input: toolCall.input,
      });
    },
    // Without onError the SDK console.errors the whole error, prompt included; the stream's
    // error part is handled below.
    onError: () => {},
    onEnd: ({ responseMessages }) => {
      ended.responseMessages = responseMessages;
    },
    // The room's traces are its own, made from the run log (features/traces), and nothing in
    // the Worker listens to the SDK's telemetry: left on, every step and stream event is
    // copied and its tools (every tool's definition, each step) walked for credentials to
    // redact, for no listener (decision 096).
    telemetry: MODEL_TELEMETRY,
  });

  try {
    for await (const part of result.stream) {
      if (OUTPUT_PARTS.has(part.type)) chunks.chunk();
      switch (part.type) {
        case "start-step":
          stepHasText = false;
          break;
        case "text-delta":
          if (!part.text) break;
          // One segment is one chat message: text from a later step starts a new paragraph
          // instead of running into the previous step's last sentence.
          if (!stepHasText && text.length > 0) {
            await emit({ type: "text", offset: text.length, text: STEP_SEPARATOR });
            text += STEP_SEPARATOR;
          }
          stepHasText = true;
          await emit({ type: "text", offset: text.length, text: part.text });
          text += part.text;
          break;
        case "tool-call":
          callInputs.set(part.toolCallId, part.input);
          break;
        case "tool-approval-request":
          // Automatic decisions (the policy denied a call outside the run's scopes) need no person.
          if (part.isAutomatic) break;
          approvals.push({
            approvalId: part.approvalId,
            toolCallId: part.toolCall.toolCallId,
            tool: part.toolCall.toolName,
            input: part.toolCall.input,
          });
          await emit({ type: "approval-requested", ...approvals.at(-1)! });
          break;
        case "tool-result":
          await emit({ ...finishedCall(part), status: "ok", output: part.output });
          break;
        case "tool-error":
          await emit({ ...finishedCall(part), status: "error", error: toolErrorLine(part.error) });
          break;
        case "tool-approval-response":
          // Emitted for automatic decisions: the policy's reason for a denial is only here.
          if (!part.approved && part.reason) automaticDenials.set(part.toolCall.toolCallId, part.reason);
          break;
        case "tool-output-denied": {
          // A call denied on resume was made in an earlier segment: its input and the denial's reason are in the stored messages.
          const input = callInputs.has(part.toolCallId)
            ? callInputs.get(part.toolCallId)
            : deniedInput(options.messages, part.toolCallId);
          const reason = automaticDenials.get(part.toolCallId) ?? deniedReason(options.messages, part.toolCallId);
          await emit({
            type: "tool-finished",
            toolCallId: part.toolCallId,
            tool: part.toolName,
            input,
            status: "denied",
            reason,
            durationMs: null,
          });
          break;
        }
        case "finish-step":
          await endCall("answered", part.usage, part.finishReason);
          break;
        case "finish":
          finishReason = part.finishReason;
          break;
        case "error":
          return await fail(part.error);
        case "abort":
          if (options.abortSignal?.aborted) {
            await endCall("stopped");
            return { status: "aborted", text, reason: abortReason(options.abortSignal.reason) };
          }
          return await fail(part.reason ?? "TimeoutError: the model request was aborted");
      }
    }
  } catch (error) {
    if (options.abortSignal?.aborted) {
      await endCall("stopped");
      return { status: "aborted", text, reason: abortReason(options.abortSignal.reason) };
    }
    return await fail(error);
  }
  if (!ended.responseMessages) {
    // The SDK ends a stream without `onEnd` when it has no step to report: its reason is the
    // rejection of the completion promises.
    try {
      await result.finishReason;
    } catch (error) {
      return await fail(error);
    }
    return await fail(new Error("the model's stream ended without a response"));
  }
  return { status: "finished", text, finishReason, responseMessages: ended.responseMessages, approvals };
}

/**
 * A turn's overall time limit as a signal we can clear. The SDK's own `timeout.totalMs` is
 * an `AbortSignal.timeout` it never cancels (party/domain/deadline.ts says why that matters).
 */
export const totalTimeout = (ms: number) => deadline(ms, "Total timeout");

interface ChunkTimeout {
  /** Aborted with a TimeoutError ("Chunk timeout of …ms exceeded", as the SDK's own) after `ms` without a chunk. */
  signal: AbortSignal;
  /** A model call started: its first chunk starts the timeout. */
  callStarted(): void;
  /**
   * A chunk of the model's output came through: while its call is still streaming, the
   * timeout runs from now. (The stream hands a call's last parts on after the SDK saw the
   * call end, and a tool call's part before the tool runs: those start nothing.)
   */
  chunk(): void;
  /** The model call's stream ended: no timeout until the next call's first chunk. */
  callEnded(): void;
  stop(): void;
}

/**
 * The silence allowed between two chunks of a model call. The SDK's `timeout.chunkMs` clears
 * and sets a runtime timer on every chunk; this notes when each chunk came and keeps one
 * timer per window: when the timer fires with a chunk since, it waits out the rest of the
 * window from that chunk instead of aborting.
 */
function chunkTimeout(ms: number): ChunkTimeout {
  const controller = new AbortController();
  let lastChunkAt = 0;
  let inCall = false;
  /** A chunk of the current call came: the timeout runs. */
  let watching = false;
  let timer: ReturnType<typeof setTimeout> | null = null;
  const check = () => {
    timer = null;
    if (!watching) return;
    const left = lastChunkAt + ms - Date.now();
    if (left > 0) timer = setTimeout(check, left);
    else controller.abort(new DOMException(`Chunk timeout of ${ms}ms exceeded`, "TimeoutError"));
  };
  const stop = () => {
    inCall = false;
    watching = false;
    if (timer !== null) clearTimeout(timer);
    timer = null;
  };
  return {
    signal: controller.signal,
    callStarted: () => {
      inCall = true;
    },
    chunk: () => {
      if (!inCall) return;
      lastChunkAt = Date.now();
      watching = true;
      timer ??= setTimeout(check, ms);
    },
    callEnded: stop,
    stop,
  };
}

const abortReason = (reason: unknown): string =>
  reason instanceof Error ? reason.message : typeof reason === "string" ? reason : "stopped";

/** The approval response of a denied call, as the resume sent it. */
function approvalResponseFor(messages: readonly ModelMessage[], toolCallId: string): { reason?: string } | undefined {
  const approvalId = approvalRequests(messages).find((request) => request.toolCallId === toolCallId)?.approvalId;
  for (const message of messages) {
    if (message.role !== "tool") continue;
    for (const part of message.content)
      if (part.type === "tool-approval-response" && part.approvalId === approvalId) return part;
  }
  return undefined;
}
const deniedReason = (messages: readonly ModelMessage[], toolCallId: string) =>
  approvalResponseFor(messages, toolCallId)?.reason ?? null;
const deniedInput = (messages: readonly ModelMessage[], toolCallId: string) =>
  approvalRequests(messages).find((request) => request.toolCallId === toolCallId)?.input ?? null;

/** Every approval request for a person in stored messages, with the call it is for. */
export function approvalRequests(messages: readonly ModelMessage[]): ApprovalRequest[] {
  const calls = new Map<string, { tool: string; input: unknown }>();
  const requests: ApprovalRequest[] = [];
  for (const message of messages) {
    if (message.role !== "assistant" || typeof message.content === "string") continue;
    for (const part of message.content) {
      if (part.type === "tool-call") calls.set(part.toolCallId, { tool: part.toolName, input: part.input });
      if (part.type === "tool-approval-request" && !part.isAutomatic) {
        const call = calls.get(part.toolCallId);
        requests.push({
          approvalId: part.approvalId,
          toolCallId: part.toolCallId,
          tool: call?.tool ?? "unknown",
          input: call?.input ?? null,
        });
      }
    }
  }
  return requests;
}

/** The approval requests in stored messages that no response answers yet (what a paused run waits for). */
export function pendingApprovals(messages: readonly ModelMessage[]): ApprovalRequest[] {
  const answered = new Set<string>();
  for (const message of messages) {
    if (message.role !== "tool") continue;
    for (const part of message.content) if (part.type === "tool-approval-response") answered.add(part.approvalId);
  }
  return approvalRequests(messages).filter((request) => !answered.has(request.approvalId));
}

export type ApprovalAnswer =
  | { approvalId: string; approved: true }
  | { approvalId: string; approved: false; reason: string };

/**
 * The messages that resume a paused run: the stored ones plus a tool message answering
 * the approvals. The SDK then runs an approved call (once — but only if `stored` holds no
 * result for it yet: it never dedupes, so exactly-once is the room's idempotency key) or
 * hands the model the denial's reason as the call's result.
 */
export function resumeMessages(
  stored: readonly ModelMessage[],
  answers: ApprovalAnswer | readonly ApprovalAnswer[],
): ModelMessage[] {
  const list = Array.isArray(answers) ? answers : [answers as ApprovalAnswer];
  return [
    ...stored,
    {
      role: "tool",
      content: list.map((answer) => ({
        type: "tool-approval-response" as const,
        approvalId: answer.approvalId,
        approved: answer.approved,
        ...(answer.approved ? {} : { reason: answer.reason }),
      })),
    },
  ];
}
