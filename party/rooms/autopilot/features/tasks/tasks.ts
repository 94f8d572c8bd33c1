// Tasks (decision 41): a goal the Autopilot pursues step by step, its checkpoint in the
// room's SQLite. This module is the tasks' data and rules; party/rooms/autopilot/features/tasks/task-runner.ts
// runs them and features/tasks answers their methods.
import type { z } from "zod";
import type { Actor, Scope } from "../../../../../shared/protocol/principal";
import {
  FINISHED_TASK_STATUSES,
  type Task,
  type TaskBudget,
  type TaskControlParams,
  type TasksListParams,
  type TasksStartParams,
  type TaskStatus,
} from "../../../../../shared/protocol/tasks";
import { and, asc, desc, eq, gte, inArray, lt, notInArray, sql as sqlText } from "drizzle-orm";
import { excluded, param, preparedPerRoom } from "../../../../domain/db/client";
import { taskMessages, tasks } from "./tables";
import { orNotFound, RoomError } from "../../../../domain/errors";
import type { Sql } from "../../../../domain/sql";
import { type StoredTask, type TaskDoc, taskMessageRecord, taskRecord } from "../../../../records/task";
import { CommittedMemo } from "../../../../domain/turn-memo";
import type { OpContext } from "../../kernel/commit";
import { filedApprovals } from "../agent/index";
import { withdrawApproval } from "../approvals/index";
import { reopenRoomJob, reportJob, startJob } from "../jobs/index";
import { countRows, type Page, pageRows } from "../../kernel/paging";
import { projectOfThread, requireProject, updateProject } from "../projects/index";
import { createThread, requireThread } from "../threads/index";

const UNFINISHED: TaskStatus[] = ["queued", "running", "waiting", "paused"];

// Read and written several times in every task step: prepared once per room.
const statements = preparedPerRoom((db) => ({
  get: db
    .select({ doc: tasks.doc })
    .from(tasks)
    .where(eq(tasks.id, param("id")))
    .prepare(),
  put: db
    .insert(tasks)
    .values({
      id: param("id"),
      status: param("status"),
      projectId: param("projectId"),
      threadId: param("threadId"),
      createdAt: param("createdAt"),
      updatedAt: param("updatedAt"),
      doc: param("doc"),
    })
    .onConflictDoUpdate({
      target: tasks.id,
      set: { status: excluded("status"), updatedAt: excluded("updated_at"), doc: excluded("doc") },
    })
    .prepare(),
  messages: db
    .select({ message: taskMessages.message })
    .from(taskMessages)
    .where(and(eq(taskMessages.taskId, param("taskId")), lt(taskMessages.seq, param("rows"))))
    .orderBy(asc(taskMessages.seq))
    .prepare(),
  // A write's new messages in one statement (a JSON array of their texts, numbered from `from`),
  // over any row left past a shorter conversation's end (a conversation cut to fit is written again whole).
  putMessages: db
    .insert(taskMessages)
    .select(
      sqlText`select ${param("taskId")}, ${param("from")} + "key", "value" from json_each(${param("messages")}) where true`,
    )
    .onConflictDoUpdate({
      target: [taskMessages.taskId, taskMessages.seq],
      set: { message: excluded("message") },
    })
    .prepare(),
}));

const utf8 = new TextEncoder();

/**
 * A stored task with its conversation: the rows its document counts, or, for a document written
 * before the conversation had rows of its own, the messages it holds (written as rows with the
 * task's next write).
 */
function loadTask(sql: Sql, text: string): TaskDoc {
  const { messages: held, ...stored } = taskRecord.decode(text);
  if (held)
    return {
      ...stored,
      messages: held,
      conversation: { rows: 0, bytes: held.reduce((n, m) => n + utf8.encode(taskMessageRecord.encode(m)).length, 0) },
    };
  const rows = stored.conversation?.rows ?? 0;
  const messages =
    rows === 0
      ? []
      : statements(sql.db)
          .messages.all({ taskId: stored.id, rows })
          .map((row) => taskMessageRecord.decode(row.message));
  return { ...stored, messages, conversation: stored.conversation ?? { rows: 0, bytes: 0 } };
}

/**
 * Tasks as last read or committed, until written: a running task's step reads its task between
 * its own writes (after the model call, after each tool call), and decoding it decodes its whole
 * conversation. A task's document is never changed in place (every change is a new object).
 * As many as a room may run at once (AUTOPILOT_TASKS_AT_ONCE is at most 10): each holds a
 * conversation of up to a megabyte.
 */
const kept = new CommittedMemo<string, TaskDoc | null>(10);
/** The write number (CommittedMemo.written) of each document putTask wrote. */
const writes = new WeakMap<TaskDoc, number>();

export function getTask(sql: Sql, id: string): TaskDoc | null {
  return kept.read(sql, id, () => {
    const row = statements(sql.db).get.get({ id });
    return row ? loadTask(sql, row.doc) : null;
  });
}

/**
 * What `doc`'s write committed (the caller's commit returned): kept for the next read, unless a
 * task was written since.
 */
export function taskCommitted(sql: Sql, doc: TaskDoc): void {
  const write = writes.get(doc);
  if (write !== undefined) kept.committed(sql, doc.id, doc, write);
}

export function requireTask(sql: Sql, id: string): TaskDoc {
  return orNotFound(getTask(sql, id), "task", id);
}

/** The task as clients see it (its checkpoint stays in the room). */
export function publicTask(doc: TaskDoc | StoredTask): Task {
  const {
    scopes: _scopes,
    messages: _messages,
    conversation: _conversation,
    inflight: _inflight,
    spendApprovalId: _spend,
    retries: _retries,
    ...task
  } = doc;
  return task;
}

/** What a task's conversation stores of one message: its row's bytes. */
export const storedMessageBytes = (message: Record<string, unknown>): number =>
  utf8.encode(taskMessageRecord.encode(message)).length;

/**
 * Writes the task: its document, and of its conversation only the messages past the rows it
 * already has (a step's own, not the whole conversation again). Returns the task as written.
 */
export function putTask(sql: Sql, doc: TaskDoc): TaskDoc {
  const prepared = statements(sql.db);
  const from = Math.min(doc.conversation?.rows ?? 0, doc.messages.length);
  let bytes = from === 0 ? 0 : (doc.conversation?.bytes ?? 0);
  if (from < doc.messages.length) {
    const messages = doc.messages.slice(from).map((message) => taskMessageRecord.encode(message));
    for (const message of messages) bytes += utf8.encode(message).length;
    prepared.putMessages.run({ taskId: doc.id, from, messages: JSON.stringify(messages) });
  }
  const written: TaskDoc = { ...doc, conversation: { rows: doc.messages.length, bytes } };
  writes.set(written, kept.written(sql, doc.id));
  const { messages: _messages, ...stored } = written;
  prepared.put.run({
    id: doc.id,
    status: doc.status,
    projectId: doc.projectId ?? null,
    threadId: doc.threadId,
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
    doc: taskRecord.encode(stored),
  });
  return written;
}

/** Stores the task and tells everyone what changed (its checkpoint stays in the room). */
export function saveTask(ctx: OpContext, doc: TaskDoc): TaskDoc {
  const next = putTask(ctx.sql, { ...doc, updatedAt: ctx.now });
  ctx.emit("task.changed", { task: publicTask(next) });
  return next;
}

/** Checkpoints the runner's progress without an event (a step's tool results as they come). */
export function checkpointTask(sql: Sql, doc: TaskDoc, now: number): TaskDoc {
  return putTask(sql, { ...doc, updatedAt: now });
}

/** The unfinished task working in a thread, if any: a thread has at most one. */
export function taskOnThread(sql: Sql, threadId: string): TaskDoc | null {
  const row = sql.db
    .select({ doc: tasks.doc })
    .from(tasks)
    .where(and(eq(tasks.threadId, threadId), inArray(tasks.status, UNFINISHED)))
    .get();
  return row ? loadTask(sql, row.doc) : null;
}

/** `column` of the tasks with these statuses, oldest first (the runner's queue). */
const queueOf = (sql: Sql, column: typeof tasks.id | typeof tasks.doc, statuses: TaskStatus[]): string[] =>
  sql.db
    .select({ value: column })
    .from(tasks)
    .where(inArray(tasks.status, statuses))
    .orderBy(asc(tasks.createdAt))
    .all()
    .map((row) => row.value);

/** Tasks with these statuses, oldest first (the runner's queue). */
export function tasksWithStatus(sql: Sql, statuses: TaskStatus[]): TaskDoc[] {
  return queueOf(sql, tasks.doc, statuses).map((doc) => loadTask(sql, doc));
}

/** The ids of tasks with these statuses, oldest first: what the runner's queue needs, without decoding each task's conversation. */
export function taskIdsWithStatus(sql: Sql, statuses: TaskStatus[]): string[] {
  return queueOf(sql, tasks.id, statuses);
}

export function isFinished(task: Pick<Task, "status">): boolean {
  return FINISHED_TASK_STATUSES.has(task.status);
}

/** A task people may still steer (pause, resume, cancel). */
export function requireUnfinished(task: TaskDoc): void {
  if (isFinished(task))
    throw new RoomError("conflict", `the task is already ${task.status}`, { taskId: task.id, status: task.status });
}

const COLUMNS = { id: tasks.id, time: tasks.updatedAt, doc: tasks.doc };

/** Most recently updated first. */
export function listTasks(sql: Sql, params: z.output<typeof TasksListParams>): Page<Task> {
  return pageRows(sql, {
    table: tasks,
    columns: COLUMNS,
    where: and(
      params.active ? notInArray(tasks.status, [...FINISHED_TASK_STATUSES]) : undefined,
      params.projectId ? eq(tasks.projectId, params.projectId) : undefined,
    ),
    before: params.before,
    limit: params.limit,
    decode: (doc) => publicTask(taskRecord.decode(doc)),
  });
}

/** The workspace's limits on a task's budget: what a task gets unless it asks for less, and the most it may ask. */
export interface TaskLimits {
  defaults: TaskBudget;
  maximum: TaskBudget;
}

/** A requested budget within the workspace's maximum (a typed error past it). */
export function taskBudget(requested: Partial<TaskBudget> | undefined, limits: TaskLimits): TaskBudget {
  const budget = { ...limits.defaults, ...requested };
  for (const key of ["maxSteps", "maxTokens", "maxRunningMs"] as const) {
    if (budget[key] > limits.maximum[key])
      throw new RoomError(
        "bad_request",
        `${key} ${budget[key]} is over this workspace's maximum of ${limits.maximum[key]}`,
        {
          field: key,
          maximum: limits.maximum[key],
        },
      );
  }
  return budget;
}

/** Unfinished tasks a workspace may hold at once: a flood of starts is refused, not queued without end. */
export const MAX_UNFINISHED_TASKS = 50;

export interface StartTaskInput {
  params: z.output<typeof TasksStartParams>;
  limits: TaskLimits;
  /** The scopes the task acts with: at most its starter's, never approve or admin (the agent's runScopes). */
  scopes: Scope[];
  /** The task's conversation opening (task-context.ts). */
  opening(task: Pick<TaskDoc, "goal" | "startedBy">): Record<string, unknown>[];
  /** Who reports the task's job: the Autopilot. */
  reporter: Actor;
}

/**
 * A new task, queued: in the given thread (which has no unfinished task), or in a new thread
 * titled after the goal that only the task writes in (nobody's reply starts there). Its
 * progress is a job the Autopilot reports.
 */
export function startTask(ctx: OpContext, input: StartTaskInput): { task: Task } {
  const { params } = input;
  const budget = taskBudget(params.budget, input.limits);
  if (params.projectId) requireProject(ctx.sql, params.projectId);
  const unfinished = countRows(ctx.sql, tasks, inArray(tasks.status, UNFINISHED));
  if (unfinished >= MAX_UNFINISHED_TASKS)
    throw new RoomError("conflict", `this workspace already has ${unfinished} unfinished tasks, the most it may hold`, {
      reason: "too_many_tasks",
      maximum: MAX_UNFINISHED_TASKS,
    });
  const id = ctx.newId("task");
  let projectId = params.projectId ?? null;
  // The keys below are the request's own (context.ts remember); the domain does not read them.
  let threadId = params.threadId;
  if (threadId) {
    requireThread(ctx.sql, threadId);
    const busy = taskOnThread(ctx.sql, threadId);
    if (busy) throw new RoomError("conflict", "a task is already working in this thread", { taskId: busy.id });
    projectId ??= projectOfThread(ctx.sql, threadId)?.id ?? null;
  } else {
    const title = `Task: ${params.goal.replace(/\s+/g, " ").slice(0, 80)}`;
    threadId = createThread(ctx, { title, idempotencyKey: params.idempotencyKey }).thread.id;
  }
  // The task's thread is the project's: the Autopilot reads the project's brief there.
  if (projectId && projectOfThread(ctx.sql, threadId)?.id !== projectId)
    updateProject(ctx, { projectId, addThreadIds: [threadId], idempotencyKey: params.idempotencyKey });
  const title = `Task: ${params.goal.replace(/\s+/g, " ").slice(0, 100)}`;
  const { job } = startJob(
    { ...ctx, actor: input.reporter },
    {
      title,
      threadId,
      message: "queued",
      idempotencyKey: params.idempotencyKey,
    },
  );
  const doc: TaskDoc = {
    id,
    goal: params.goal,
    status: "queued",
    threadId,
    projectId,
    jobId: job.id,
    budget,
    used: { steps: 0, tokens: 0, runningMs: 0 },
    startedBy: ctx.onBehalfOf ?? ctx.actor,
    createdAt: ctx.now,
    updatedAt: ctx.now,
    endedAt: null,
    outcome: null,
    scopes: input.scopes,
    messages: [],
    inflight: null,
  };
  doc.messages = input.opening(doc);
  const saved = saveTask(ctx, doc);
  ctx.audit("task.started", id, { goal: params.goal.slice(0, 200), threadId, budget });
  return { task: publicTask(saved) };
}

/** Who may steer a task: people with write, and an agent for the tasks it started. */
function requireSteer(ctx: OpContext, task: TaskDoc): void {
  if (ctx.principal.kind === "agent" && task.startedBy.id !== ctx.principal.id)
    throw new RoomError("forbidden", "an agent may pause, resume or cancel only the tasks it started", {
      taskId: task.id,
    });
}

export function pauseTask(ctx: OpContext, params: z.output<typeof TaskControlParams>): { task: Task } {
  const task = requireTask(ctx.sql, params.taskId);
  requireSteer(ctx, task);
  requireUnfinished(task);
  if (task.status === "paused") return { task: publicTask(task) };
  const saved = saveTask(ctx, { ...task, status: "paused" });
  ctx.audit("task.paused", task.id, { goal: task.goal.slice(0, 200), reason: params.reason ?? null });
  return { task: publicTask(saved) };
}

export function resumeTask(ctx: OpContext, params: z.output<typeof TaskControlParams>): { task: Task } {
  const task = requireTask(ctx.sql, params.taskId);
  requireSteer(ctx, task);
  if (isFinished(task)) return { task: publicTask(resumeEnded(ctx, task, params.reason)) };
  if (task.status !== "paused") return { task: publicTask(task) };
  // A task paused while a call waited for a person waits again; otherwise it queues for a runner.
  const waiting =
    Boolean(task.spendApprovalId) ||
    (task.inflight?.calls.some((call) => call.roomApprovalId && !call.answer) ?? false);
  const saved = saveTask(ctx, { ...task, status: waiting ? "waiting" : "queued" });
  ctx.audit("task.resumed", task.id, { goal: task.goal.slice(0, 200) });
  return { task: publicTask(saved) };
}

/**
 * A task that failed, stopped or was cancelled, queued again from its last checkpoint: the
 * steps it finished are kept, and so is every result of the step it was on, so no tool call
 * that ran runs again; the model is asked for the rest. Its job runs again. A person decides
 * this (an agent's key may not restart work that ended on a failure, a refusal or a person's
 * cancel). One that stopped on its own budget stops again at once unless it was raised.
 */
function resumeEnded(ctx: OpContext, task: TaskDoc, reason: string | undefined): TaskDoc {
  if (task.status === "done")
    throw new RoomError("conflict", `task ${task.id} is done: start a new task for more`, { taskId: task.id });
  if (ctx.principal.kind !== "user")
    throw new RoomError(
      "forbidden",
      `task ${task.id} ${task.status === "cancelled" ? "was cancelled" : task.status}: only a person may resume it (ask one, e.g. with autopilot request-approval)`,
      { taskId: task.id, status: task.status },
    );
  // Asked for again: what it waited for was withdrawn when it ended.
  const inflight = task.inflight
    ? {
        ...task.inflight,
        calls: task.inflight.calls.map((c) => (c.result ? c : { ...c, roomApprovalId: null, answer: null })),
      }
    : null;
  const resumed = saveTask(ctx, {
    ...task,
    status: "queued",
    outcome: null,
    endedAt: null,
    inflight,
    spendApprovalId: null,
    retries: 0,
  });
  if (task.jobId) reopenRoomJob(ctx, task.jobId, `resumed by ${ctx.actor.name}`);
  ctx.audit("task.resumed", task.id, { goal: task.goal.slice(0, 200), from: task.status, reason: reason ?? null });
  return resumed;
}

/** Cancels a task; its runner (if any) stops at once, the approvals it waits for are withdrawn by the caller. */
export function cancelTask(ctx: OpContext, params: z.output<typeof TaskControlParams>): { task: Task } {
  const task = requireTask(ctx.sql, params.taskId);
  requireSteer(ctx, task);
  requireUnfinished(task);
  return { task: publicTask(endTaskFor(ctx, task, ctx.actor, params.reason)) };
}

/** Ends an unfinished task as cancelled by `by`: what it waits for is withdrawn, its job ends. */
export function endTaskFor(ctx: OpContext, task: TaskDoc, by: Actor, reason?: string): TaskDoc {
  const outcome = `cancelled by ${by.name}${reason ? `: ${reason}` : ""}`;
  withdrawTaskApprovals(ctx, task, `the task was ${outcome}`);
  if (task.jobId) reportJob(ctx, task.jobId, { status: "cancelled", message: `Task ${outcome}` });
  const saved = saveTask(ctx, { ...task, status: "cancelled", outcome, endedAt: ctx.now });
  ctx.audit("task.cancelled", task.id, { goal: task.goal.slice(0, 200), by: by.id, reason: reason ?? null });
  return saved;
}

/** The approvals a task waits for, and those its calls filed (instances.*), withdrawn with why. */
export function withdrawTaskApprovals(ctx: OpContext, task: TaskDoc, note: string): void {
  const asked = (task.inflight?.calls ?? []).flatMap((c) => (c.roomApprovalId && !c.answer ? [c.roomApprovalId] : []));
  if (task.spendApprovalId) asked.push(task.spendApprovalId);
  for (const id of [...asked, ...filedApprovals(ctx.sql, task.id)]) withdrawApproval(ctx, id, note.slice(0, 500));
}

/**
 * Tasks made since `since`, newest first, at most `limit`, without their conversations (the
 * Runs view): who started each is read from its document as the room stored it.
 */
export function tasksStartedSince(sql: Sql, since: number, limit: number) {
  return sql.db
    .select({
      id: tasks.id,
      status: tasks.status,
      projectId: tasks.projectId,
      threadId: tasks.threadId,
      createdAt: tasks.createdAt,
      updatedAt: tasks.updatedAt,
      startedBy: sqlText`json_extract(${tasks.doc}, '$.startedBy')`.mapWith(String),
    })
    .from(tasks)
    .where(gte(tasks.createdAt, since))
    .orderBy(desc(tasks.createdAt))
    .limit(limit)
    .all();
}
