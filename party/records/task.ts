import { z } from "zod";
import { Scope } from "../../shared/protocol/principal";
import { RunLogEntry, Task } from "../../shared/protocol/tasks";
import { defineRecord } from "./codec";
import { DecidedCall } from "./tool-calls";

/** What a tool call of a task's step got: its result as the model is told it. */
export const TaskCallResult = z.object({ status: z.enum(["ok", "error", "denied"]), text: z.string() });

/** One tool call the model decided in a step, stored before it runs (decision 41). */
export const TaskCall = DecidedCall.extend({ result: TaskCallResult.nullable() });
export type TaskCall = z.infer<typeof TaskCall>;

/** One model message of a task's conversation (an AI SDK ModelMessage kept as plain JSON). */
export const TaskMessage = z.record(z.string(), z.unknown());

/**
 * Where a task's conversation is stored (decision 97): its first `rows` messages are rows of the
 * `task_messages` table, `bytes` their stored size, what the conversation's bound is counted over.
 */
export const TaskConversation = z.object({ rows: z.number().int().min(0), bytes: z.number().int().min(0) });
export type TaskConversation = z.infer<typeof TaskConversation>;

/**
 * A task as the room works with it: the wire shape plus what its runner needs to go on after a
 * restart: the scopes it acts with (at most its starter's), the model messages of every
 * finished step, and the step in flight: the model's answer with its tool calls, each with
 * its result once it ran (AI SDK ModelMessages kept as plain JSON; the SDK validates them
 * again on the next step).
 */
export const TaskDoc = Task.extend({
  scopes: z.array(Scope),
  messages: z.array(TaskMessage),
  /** How much of `messages` is stored as rows; none yet for a task not yet written. */
  conversation: TaskConversation.optional(),
  inflight: z
    .object({
      step: z.number().int().min(1),
      assistant: z.record(z.string(), z.unknown()),
      calls: z.array(TaskCall),
    })
    .nullable(),
  /** The spend approval the task waits for before its next step would cross a budget (decision 44). */
  spendApprovalId: z.string().nullable().optional(),
  /** Retries of the step in flight's model call after transient failures (features/tasks/retry.ts); 0 after a call that answered. */
  retries: z.number().int().min(0).optional(),
});
export type TaskDoc = z.infer<typeof TaskDoc>;

/**
 * The task's document as its row keeps it: all but its conversation, whose messages are rows of
 * their own. A document written before decision 97 still holds its messages (and no
 * `conversation`): read as it is, its messages become rows when the task is next written.
 */
export const StoredTask = TaskDoc.omit({ messages: true }).extend({ messages: z.array(TaskMessage).optional() });
export type StoredTask = z.infer<typeof StoredTask>;

export const taskRecord = defineRecord("task", StoredTask);

export const taskMessageRecord = defineRecord("task message", TaskMessage);

export const runLogRecord = defineRecord("run log entry", RunLogEntry);
