import { AUTOPILOT_ID } from "../people";
import type { MessageToolLive } from "./agent";
import type { Job, JobProgress, JobProgressFolded } from "./jobs";
import type { Actor } from "./principal";
import type { RunLogAppendedPayload, Task, TaskStepChange, TaskStepFolded } from "./tasks";
import type { MessageLive, ToolMessageFolded } from "./threads";

/** The Autopilot as the author of its posts (the room's `AUTOPILOT_ACTOR`). */
export const AUTOPILOT_AUTHOR: Actor = { id: AUTOPILOT_ID, kind: "agent", name: "Autopilot" };

/** A task's run: its run id is the task's id. */
const TASK_RUN = /^task_[0-9a-f]{1,40}$/;

/** The run log's kinds a step writes as it goes: its model call and its tool calls. */
const STEP_KINDS: ReadonlySet<string> = new Set(["model-call", "tool-call"]);

interface LiveMessage {
  author?: Actor | undefined;
  kind?: string | undefined;
  tool?: (Omit<MessageToolLive, "durationMs" | "approvalId"> & Partial<MessageToolLive>) | undefined;
}

const isAutopilot = (author: Actor | undefined): boolean =>
  author?.id === AUTOPILOT_AUTHOR.id && author.kind === AUTOPILOT_AUTHOR.kind && author.name === AUTOPILOT_AUTHOR.name;

/** The Autopilot's tool message as sent to a socket that asked: what the client reads from the rest left out. */
export function foldedToolMessage<M extends LiveMessage>(message: M): M | ToolMessageFolded {
  const { tool } = message;
  if (message.kind !== "tool" || !tool || !isAutopilot(message.author)) return message;
  const { author: _author, tool: _tool, ...rest } = message;
  const { durationMs, approvalId, ...kept } = tool;
  return {
    ...rest,
    tool: { ...kept, ...(durationMs == null ? {} : { durationMs }), ...(approvalId == null ? {} : { approvalId }) },
  } as unknown as ToolMessageFolded;
}

/**
 * A tool message as a client holds it: a folded one (its author left out, which the room does
 * only when folding) with its author and nulls put back; any other as it came.
 */
export function withToolMessage(message: MessageLive | ToolMessageFolded): MessageLive {
  if (message.author !== undefined && !("tool" in message && isFoldedTool(message.tool))) return message as MessageLive;
  const tool = message.tool && {
    ...message.tool,
    durationMs: message.tool.durationMs ?? null,
    approvalId: message.tool.approvalId ?? null,
  };
  return { ...message, author: message.author ?? AUTOPILOT_AUTHOR, ...(tool ? { tool } : {}) } as MessageLive;
}

const isFoldedTool = (tool: ToolMessageFolded["tool"] | undefined): boolean =>
  tool !== undefined && (tool.durationMs === undefined || tool.approvalId === undefined);

/** Whether a live `message.created` was folded (its author left out). */
export const isFoldedMessage = (message: { author?: Actor | undefined }): boolean => message.author === undefined;

/**
 * Capability `steps.folded` (protocol 19, decision 94): what a task step sends a socket that
 * asked, less again than `tasks.steps`, `jobs.progress`, `tool.steps` and `steps.lean` send:
 * - the run log's entries a step writes as it goes (its model call, its tool calls) are not
 *   marked: the step's end is a `task.changed` (as is a wait, a pause or an end), after which a
 *   client that shows the log reads what it lacks; every other entry is marked as before;
 * - a step's change without its status (running) and budget (never changed after the start);
 * - a running job's report without its status (running);
 * - the Autopilot's tool message without its author and its null duration and approval.
 * The room writes and logs every frame whole: a replay, a resume and the delivery tier give the
 * whole state, and every socket that did not ask gets what it got before.
 */
export function stepsFoldedCapability() {
  return {
    name: "steps.folded",
    since: 19,
    summary:
      "a task step sends what the client cannot read from the rest: no run-log mark of a step's model and tool calls (the step's task.changed says the log grew), a step's change without its status and budget, a running job's report without its status, the Autopilot's tool message without its author and null fields",
    adds: [
      "events.task.changed.task|object2",
      "events.job.progressed.job|object2",
      "events.message.created.message|object1",
    ],
    withholds: ["events.runlog.appended"],
    events: {},
    results: {},
    written: {
      "task.changed": (payload: { task: Task | TaskStepChange | TaskStepFolded }) => {
        const task = payload.task;
        if ("goal" in task || !("status" in task) || task.status !== "running") return payload;
        const { status: _status, budget: _budget, ...folded } = task;
        return { task: folded };
      },
      "job.progressed": (payload: { job: Job | JobProgress | JobProgressFolded }) => {
        const job = payload.job;
        if ("title" in job || !("status" in job) || job.status !== "running") return payload;
        const { status: _status, ...folded } = job;
        return { job: folded };
      },
      "message.created": <M extends LiveMessage>(payload: { message: M }) => {
        const message = foldedToolMessage(payload.message);
        return message === payload.message ? payload : { ...payload, message };
      },
      // The whole payload (not runlog.marks' mark of it): which entries it carries.
      "runlog.appended": (payload: RunLogAppendedPayload, whole?: RunLogAppendedPayload) => {
        const { runId, entries } = whole ?? payload;
        const step = TASK_RUN.test(runId) && entries.length > 0 && entries.every((e) => STEP_KINDS.has(e.kind));
        return step ? null : payload;
      },
    },
  };
}
