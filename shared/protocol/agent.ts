import { z } from "zod";
import { EntityId, mutatingParams, Timestamp } from "./common";
import { Approval } from "./approvals";
import { Actor } from "./principal";
import { taskStepStreams } from "./tasks";

/**
 * The Autopilot's own agent (protocol 5): who answers in a thread, the tool calls it makes
 * (as `tool` messages), the workspace memory it keeps with people, and what its model
 * calls cost.
 */

/**
 * Who answers a thread's messages: the Autopilot's model, the OpenClaw instance the thread
 * is attached to, or nobody; on every message or only when someone writes `@autopilot`.
 * Protocol 8: `agents` says whether agents' messages (API keys) trigger the Autopilot too;
 * when false only people's do (shared/responder.ts). Off unless asked for.
 */
export const Responder = z.object({
  kind: z.enum(["autopilot", "openclaw", "none"]),
  reply: z.enum(["every", "mention"]),
  agents: z.boolean(),
});
export type Responder = z.infer<typeof Responder>;

/** Arguments and results are JSON text clipped to this many characters. */
export const MAX_TOOL_TEXT = 4000;

/** A tool call the Autopilot made, carried by its `tool` message. */
export const MessageTool = z.object({
  callId: z.string().max(128),
  /** The tool's name as the model saw it, e.g. `threads_rename`. */
  name: z.string().max(128),
  /** JSON text. */
  arguments: z.string(),
  /** JSON text or the error line; null when the call never ran (denied, expired). */
  result: z.string().nullable(),
  status: z.enum(["ok", "error", "denied", "expired"]),
  durationMs: z.number().int().nonnegative().nullable(),
  /** The room approval that gated the call, if one did. */
  approvalId: EntityId.nullable(),
  runId: z.string(),
});
export type MessageTool = z.infer<typeof MessageTool>;

/**
 * A tool call as a live `message.created` carries it. Capability `tool.steps` (protocol
 * 19): `resultChars` is present when `result` is only its opening (`TOOL_PREVIEW_CHARS`), the
 * whole result's length in characters; the whole message is read with `messages.list`
 * (`before` its `n` + 1, `limit` 1). Every read returns the whole result.
 */
export const MessageToolLive = MessageTool.extend({ resultChars: z.number().int().nonnegative().optional() });
export type MessageToolLive = z.infer<typeof MessageToolLive>;

/** Whether a tool call carries only its result's opening (`tool.steps`). */
export const isClippedTool = (tool: MessageTool | MessageToolLive): boolean =>
  "resultChars" in tool && tool.resultChars !== undefined;

/** How much of a tool's result a live `message.created` carries to a socket that asked for `tool.steps`. */
export const TOOL_PREVIEW_CHARS = 80;

/** A tool message as sent live to a socket that asked for `tool.steps`: its result's opening, when longer. */
export function withToolPreview<M extends { tool?: MessageTool | undefined }>(message: M): M {
  const tool = message.tool;
  if (!tool || tool.result === null || tool.result.length <= TOOL_PREVIEW_CHARS) return message;
  const live: MessageToolLive = {
    ...tool,
    result: tool.result.slice(0, TOOL_PREVIEW_CHARS),
    resultChars: tool.result.length,
  };
  return { ...message, tool: live };
}

export function toolStepsCapability() {
  return {
    name: "tool.steps",
    since: 19,
    summary:
      "a step that calls tools sends less: a tool message carries its result's opening and length (resultChars; messages.list reads it whole), and a task step that only calls tools opens no stream",
    adds: ["events.message.created.message|object.tool.resultChars"],
    // The room stores and logs every frame whole (a socket that did not ask needs no
    // conversion); a socket that asked is sent the opening, and no stream a step never showed.
    events: {},
    results: {},
    written: {
      "message.created": <M extends { tool?: MessageTool | undefined }>(payload: { message: M }) => {
        const message = withToolPreview(payload.message);
        return message === payload.message ? payload : { ...payload, message };
      },
      ...taskStepStreams,
    },
  };
}

/** How many of the approvals a waiting run is shown with (`chat.goAhead` withdraws them all). */
export const MAX_WAITING_APPROVALS = 20;

/**
 * Protocol 8: the Autopilot's run in a thread waits for approvals (a gated tool call), and
 * what waits behind it. Present while a run waits; the room keeps it in step with the
 * run's stored state. Messages after `afterN` up to `queuedThroughN` are answered once
 * the run has ended; `chat.goAhead {runId}` lets the run go on without the approvals.
 */
export const ThreadWaiting = z.object({
  runId: z.string().min(1).max(64),
  /** The approvals it still waits for, oldest first. */
  approvals: z.array(z.object({ id: EntityId, title: z.string().max(200) })).max(MAX_WAITING_APPROVALS),
  /** The ordinal of the message the waiting run answers. */
  afterN: z.number().int().positive(),
  /** The newest message queued behind the run (the Autopilot answers it after); null when none is. */
  queuedThroughN: z.number().int().positive().nullable(),
});
export type ThreadWaiting = z.infer<typeof ThreadWaiting>;

/**
 * Protocol 8: a run waiting for approvals goes on without them: each approval it still
 * waits for is withdrawn (resolved `expired`, its note naming who went ahead), the tool
 * never runs, the model is told, and the run goes on to its end; messages queued behind
 * it are answered after.
 */
export const ChatGoAheadParams = mutatingParams({ runId: z.string().min(1).max(64) });
/** The approvals withdrawn (each now `expired`). */
export const ChatGoAheadResult = z.object({ runId: z.string(), withdrawn: z.array(Approval) });

export const ThreadsConfigureParams = mutatingParams({
  threadId: EntityId,
  responder: Responder.shape.kind.optional(),
  reply: Responder.shape.reply.optional(),
  /** Protocol 8. */
  agents: Responder.shape.agents.optional(),
});

// --- memory ----------------------------------------------------------------

export const MemoryKey = z.string().trim().min(1).max(100);
export const MAX_MEMORY_VALUE = 4000;
/** A workspace holds at most this many memory entries. */
export const MAX_MEMORY_ENTRIES = 200;

export const MemoryEntry = z.object({
  key: MemoryKey,
  value: z.string().max(MAX_MEMORY_VALUE),
  updatedBy: Actor,
  updatedAt: Timestamp,
});
export type MemoryEntry = z.infer<typeof MemoryEntry>;

export const MemoryListParams = z
  .object({
    prefix: z.string().max(100).optional(),
    limit: z.number().int().min(1).max(MAX_MEMORY_ENTRIES).default(MAX_MEMORY_ENTRIES),
  })
  .default({ limit: MAX_MEMORY_ENTRIES });
export const MemoryListResult = z.object({ entries: z.array(MemoryEntry) });
export const MemoryPutParams = mutatingParams({
  key: MemoryKey,
  value: z.string().min(1).max(MAX_MEMORY_VALUE),
});
export const MemoryPutResult = z.object({ entry: MemoryEntry });
export const MemoryDeleteParams = mutatingParams({ key: MemoryKey });
export const MemoryDeleteResult = z.object({ deleted: z.boolean() });

export const MemoryUpdatedPayload = z.object({ entry: MemoryEntry });
export const MemoryDeletedPayload = z.object({ key: MemoryKey, by: Actor });

// --- usage -----------------------------------------------------------------

export const UsageTotals = z.object({
  calls: z.number().int().nonnegative(),
  inputTokens: z.number().int().nonnegative(),
  outputTokens: z.number().int().nonnegative(),
  durationMs: z.number().int().nonnegative(),
});

export const UsageEntry = z.object({
  n: z.number().int().positive(),
  at: Timestamp,
  threadId: EntityId.nullable(),
  runId: z.string().nullable(),
  /** Who triggered the run the call was for. */
  principalId: z.string().nullable(),
  /** Protocol 9: `task` (a task's step). */
  purpose: z.enum(["reply", "summary", "title", "task"]),
  model: z.string(),
  inputTokens: z.number().int().nonnegative().nullable(),
  outputTokens: z.number().int().nonnegative().nullable(),
  durationMs: z.number().int().nonnegative(),
  ok: z.boolean(),
});
export type UsageEntry = z.infer<typeof UsageEntry>;

export const UsageListParams = z
  .object({
    since: Timestamp.optional(),
    until: Timestamp.optional(),
    threadId: EntityId.optional(),
    principalId: z.string().max(128).optional(),
    groupBy: z.enum(["none", "thread", "principal", "day"]).default("none"),
    /** With groupBy "none": the newest calls, at most this many. */
    limit: z.number().int().min(1).max(500).default(100),
  })
  .default({ groupBy: "none", limit: 100 });
export const UsageListResult = z.object({
  totals: UsageTotals,
  /** One per thread, principal or UTC day (YYYY-MM-DD), largest first; empty for groupBy "none". */
  groups: z.array(UsageTotals.extend({ key: z.string().nullable() })),
  /** groupBy "none": the calls themselves, newest first. */
  entries: z.array(UsageEntry).optional(),
});

// --- hello -----------------------------------------------------------------

/** What a client may know of the Autopilot's model: never its key or URL. */
export const AgentInfo = z.object({
  model: z.object({
    configured: z.boolean(),
    modelId: z.string().nullable(),
    /** Required variables that are unset. */
    missing: z.array(z.string()),
    /** Variables set to something unusable (names only). */
    invalid: z.array(z.string()),
  }),
});
export type AgentInfo = z.infer<typeof AgentInfo>;
