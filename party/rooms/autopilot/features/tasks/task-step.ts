// A task's step as the runner works it (decision 41): the tools as the model sees them
// (without `execute`, so the SDK returns the calls instead of running them), the calls a
// step decided, and the run's approval policy on each.
import type { ModelMessage, ToolSet } from "ai";
import type { TaskCall, TaskDoc } from "../../../../records/task";
import type { runTools } from "../toolset/index";
import type { OpContext } from "../../kernel/commit";
import { boundRunMessages, MAX_RUN_MESSAGES_BYTES } from "../agent/index";
import { storedMessageBytes } from "./tasks";
import { reportJob } from "../jobs/index";
import { stepReport } from "../../../../../shared/protocol/steps-derived";

export type RunToolsShape = Awaited<ReturnType<typeof runTools>>;

export const used = (task: TaskDoc, steps: number, tokens: number, runningMs: number): TaskDoc["used"] => ({
  steps: task.used.steps + steps,
  tokens: task.used.tokens + tokens,
  runningMs: task.used.runningMs + runningMs,
});

/** The tools as the model sees them: the SDK gets no `execute`, so it returns the calls instead of running them. */
export function withoutExecute(tools: ToolSet): ToolSet {
  const described: ToolSet = {};
  for (const [name, definition] of Object.entries(tools)) {
    const { execute: _execute, ...rest } = definition;
    described[name] = rest as ToolSet[string];
  }
  return described;
}

export function toolCallsOf(message: ModelMessage): TaskCall[] {
  if (!Array.isArray(message.content)) return [];
  return message.content.flatMap((part) =>
    part.type === "tool-call"
      ? [
          {
            toolCallId: part.toolCallId,
            tool: part.toolName,
            input: part.input ?? null,
            roomApprovalId: null,
            answer: null,
            result: null,
          },
        ]
      : [],
  );
}

export type Verdict = { kind: "run" } | { kind: "ask" } | { kind: "denied"; reason: string };

/** The run's approval policy on one call (features/toolset/tools.ts toolApprovalPolicy, and the gateway's). */
export function decide(tools: RunToolsShape, call: TaskCall): Verdict {
  const status = tools.approval({ toolCall: { toolName: call.tool, input: call.input } });
  if (status === "user-approval") return { kind: "ask" };
  if (status === "denied") return { kind: "denied", reason: `the task may not use ${call.tool}` };
  if (typeof status === "object" && status.type === "denied")
    return { kind: "denied", reason: status.reason ?? `the task may not use ${call.tool}` };
  if (typeof status === "object" && status.type === "user-approval") return { kind: "ask" };
  return { kind: "run" };
}

/**
 * The step in flight, every call answered, ended: its messages join the task's if they fit.
 * What fits is counted over the conversation's stored rows (the task's `conversation`) plus the
 * step's two messages, so a step does not measure the whole conversation again; only one that
 * would cross the bound has the conversation's tool results cut (and then written again whole).
 */
export function stepEnd(
  task: TaskDoc,
  cap = MAX_RUN_MESSAGES_BYTES,
): { ok: true; task: TaskDoc } | { ok: false; bytes: number } {
  const done = task.inflight!;
  const toolMessage = {
    role: "tool",
    content: done.calls.map((call) => ({
      type: "tool-result",
      toolCallId: call.toolCallId,
      toolName: call.tool,
      output:
        call.result?.status === "ok"
          ? { type: "text", value: call.result.text }
          : call.result?.status === "denied"
            ? { type: "execution-denied", reason: call.result.text }
            : { type: "error-text", value: call.result?.text ?? "no result" },
    })),
  };
  const added = [done.assistant, toolMessage];
  const ended = { inflight: null, used: { ...task.used, steps: task.used.steps + 1 } };
  const stored = task.conversation?.rows === task.messages.length ? task.conversation.bytes : null;
  if (stored !== null && stored + added.reduce((n, m) => n + storedMessageBytes(m), 0) <= cap)
    return { ok: true, task: { ...task, ...ended, messages: [...task.messages, ...added] } };
  const bounded = boundRunMessages([...task.messages, ...added] as unknown as ModelMessage[], cap);
  if (!bounded.ok) return { ok: false, bytes: bounded.bytes };
  const messages = bounded.messages as unknown as Record<string, unknown>[];
  // Cut results change messages already stored: every row is written again.
  const conversation = bounded.truncated ? { rows: 0, bytes: 0 } : task.conversation;
  return { ok: true, task: { ...task, ...ended, messages, conversation } };
}

/** A step's end told on the task's job. */
export function reportStep(ctx: OpContext, task: TaskDoc): TaskDoc {
  const steps = task.used.steps;
  if (task.jobId)
    // In the words a client of steps.derived makes the report in from the step's task.changed.
    reportJob(ctx, task.jobId, stepReport(steps, task.budget.maxSteps));
  return task;
}
