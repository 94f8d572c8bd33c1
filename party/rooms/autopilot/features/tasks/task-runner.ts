// Tasks (decision 41): the Autopilot pursues a goal step by step, with no one connected.
// A step is one model call whose tool calls the SDK does not execute: they are stored
// first (the step in flight), then run one by one through the room's dispatch, each with
// an idempotency key from the task and the call, each result stored as it comes. So a
// restart anywhere resumes at the step it was on: a call that ran before the restart is
// answered from the idempotency table instead of running twice, and none is lost. A call
// that needs a person files an approval and the task waits (for days if need be); the
// decision moves it on. Before every step the runner reads its starter's access again and
// checks the budget.
import type { LanguageModel, ModelMessage, ToolSet } from "ai";
import type { Approval } from "../../../../../shared/protocol/approvals";
import type { RunLogEntry, TaskStatus } from "../../../../../shared/protocol/tasks";
import { getApproval } from "../approvals/index";
import { reportJob } from "../jobs/index";
import { type NewRunLogEntry, appendRunLog, runLogCommitted } from "../agent/index";
import {
  checkpointTask,
  getTask,
  saveTask,
  taskCommitted,
  taskIdsWithStatus,
  tasksWithStatus,
  withdrawTaskApprovals,
} from "./tasks";
import { appendMessage, getThread } from "../threads/index";
import type { TaskCall, TaskDoc } from "../../../../records/task";
import { asAutopilot, clipText, finishSegment, jsonText, post, toolLine } from "../agent/index";
import { createModel, type ModelConfigured, recordUsage, runStream } from "../model/index";
import { type ActingTools, actingTools, clipResult, runAccess } from "../agent/index";
import { visibleDeltas } from "./step-text";
import { type Active, betweenSteps, newLoop, takeStepTools, type TaskDeps } from "./task-loop";
import { offeredTools, toolDefinitionBytes } from "../toolset/index";
import { inputTokenBound } from "../billing/index";
import { answerFor } from "../toolset/index";
import { taskInstructions } from "./task-context";
import { decide, reportStep, type RunToolsShape, stepEnd, toolCallsOf, used, withoutExecute } from "./task-step";
import { afterRetries, nextRetry, retryEntry } from "./retry";
import { approvalEntry, endText, modelCallEntry, overBudget, spendRefusedText, toolCallEntry } from "../agent/index";
import { askForCall, chargeStep, reserveStep, spendDecided, type TaskAskOps } from "./task-asks";
import type { Reservation } from "../billing/index";
import type { SpendAction } from "../../../../../shared/protocol/billing";

export class TaskRunner {
  readonly #d: TaskDeps;
  /** By task: the loop this object runs for it now. */
  readonly #active = new Map<string, Active>();
  /** Run log entries written by the transaction under way, sent when it committed. */
  readonly #unsent: { runId: string; entries: RunLogEntry[] }[] = [];

  constructor(deps: TaskDeps) {
    this.#d = deps;
  }

  /** Starts every task that should be running and is not: queued ones up to the limit, running ones after a restart. */
  pump(): void {
    const { sql } = this.#d;
    for (const id of taskIdsWithStatus(sql, ["running"])) if (!this.#active.has(id)) this.#loop(id);
    let free = this.#d.concurrent() - this.#active.size;
    for (const id of taskIdsWithStatus(sql, ["queued"])) {
      if (free <= 0) break;
      this.#commit((ctx) => {
        const current = getTask(ctx.sql, id);
        if (current?.status === "queued") saveTask(ctx, { ...current, status: "running" });
      });
      this.#loop(id);
      free--;
    }
  }

  /** Whether the room has task work that must survive an eviction (its alarm keeps waking it). */
  get busy(): boolean {
    return this.#active.size > 0 || taskIdsWithStatus(this.#d.sql, ["queued", "running"]).length > 0;
  }

  /** A paused or cancelled task stops its model call now; the loop sees the status and ends. */
  interrupt(taskId: string, why: string): void {
    this.#active.get(taskId)?.abort.abort(new Error(why));
  }

  /** An approval a task's call waits for was decided (or expired): the task goes on. */
  onApprovalResolved(approval: Approval): void {
    const action = approval.action;
    if (action?.kind === "spend") return this.#spendDecided(approval, action);
    if (action?.kind !== "tool" || approval.status === "pending") return;
    const moved = this.#commit((ctx) => {
      const task = getTask(ctx.sql, action.runId);
      // A paused task keeps the answer too: resumed, it goes on with it.
      if (!task?.inflight || (task.status !== "waiting" && task.status !== "paused")) return false;
      const call = task.inflight.calls.find((c) => c.toolCallId === action.toolCallId && !c.answer);
      if (!call) return false;
      const calls = task.inflight.calls.map((c) => (c === call ? { ...c, answer: answerFor(approval) } : c));
      const waiting = calls.some((c) => c.roomApprovalId && !c.answer);
      const status = task.status === "paused" ? "paused" : waiting ? "waiting" : "running";
      saveTask(ctx, { ...task, status, inflight: { ...task.inflight, calls } });
      this.#log(ctx.sql, task.id, [approvalEntry(approval, task.inflight.step)], ctx.now);
      return status === "running";
    });
    if (moved) this.pump();
  }

  /**
   * On start: an approval a task waits for that was decided while the room was down (its
   * decision committed, the reaction never ran) moves the task on now; then the queue.
   */
  recover(): void {
    for (const task of tasksWithStatus(this.#d.sql, ["waiting", "paused"])) {
      const spendApproval = task.spendApprovalId ? getApproval(this.#d.sql, task.spendApprovalId) : null;
      if (spendApproval && spendApproval.status !== "pending") this.onApprovalResolved(spendApproval);
      for (const call of task.inflight?.calls ?? []) {
        const approval = call.roomApprovalId && !call.answer ? getApproval(this.#d.sql, call.roomApprovalId) : null;
        if (approval && approval.status !== "pending") this.onApprovalResolved(approval);
      }
    }
    this.pump();
  }

  /** The room heard of an access change: no step or tool call takes a read made before it (decision 100). */
  forgetAccess(): void {
    for (const active of this.#active.values()) active.access.forget();
  }

  /** Access changed in the workspace: a task whose starter lost it stops now rather than at its next step. */
  async recheck(): Promise<void> {
    this.forgetAccess();
    for (const task of tasksWithStatus(this.#d.sql, ["queued", "running", "waiting", "paused"])) {
      const access = await runAccess(this.#d.currentAccess, { triggeredBy: task.startedBy, scopes: task.scopes });
      if (access.kind === "gone") this.#stopForAccess(task.id, access.reason);
    }
  }

  #loop(taskId: string): void {
    // pump() runs again from the reaction to the status it just wrote: one loop per task.
    if (this.#active.has(taskId)) return;
    const active = newLoop(this.#d);
    this.#active.set(taskId, active);
    this.#d.started?.();
    void (async () => {
      const release = await this.#d.keepAlive().catch(() => () => {});
      try {
        while (await this.#step(taskId, active)) {
          // Calls just stored run in the same turn: kept and answered in one commit (decision 105).
          // Otherwise the event loop runs between steps; after a failed model call, the retry's
          // wait (a pause's abort ends it; the next step sees the pause).
          if (!active.stepTools) await betweenSteps(active);
        }
      } catch (error) {
        console.error(JSON.stringify({ msg: "task failed", taskId, error: String(error) }));
        this.#end(taskId, "failed", "the task failed (internal error)");
      } finally {
        if (this.#active.get(taskId) === active) this.#active.delete(taskId);
        release();
        this.pump();
        if (this.#active.size === 0) this.#d.idle?.();
      }
    })();
  }

  /** One step, or the rest of the step in flight; false when the task stops here (done, waiting, paused, ended). */
  async #step(taskId: string, active: Active): Promise<boolean> {
    const task = getTask(this.#d.sql, taskId);
    if (task?.status !== "running") return false;
    const config = this.#d.config();
    if (!config.configured) {
      this.#end(taskId, "failed", config.message);
      return false;
    }
    const tools = takeStepTools(active) ?? (await this.#tools(task, config, active));
    // Read after the tools are built (an instance's catalog may be awaited): between this read
    // and the step's first tool call nothing else is awaited, so that call's check takes it (ActingTools.checked).
    const access = await runAccess(active.access.current, { triggeredBy: task.startedBy, scopes: task.scopes });
    // D1 could not answer: nothing runs on a guess; the room's alarm tries again.
    if (access.kind === "unknown") return false;
    if (access.kind === "gone") {
      this.#stopForAccess(taskId, access.reason);
      return false;
    }
    if (!task.inflight) {
      const over = overBudget(task);
      if (over) {
        this.#end(taskId, "stopped", over);
        return false;
      }
      const instructions = taskInstructions(this.#d.sql, task);
      const offered = offeredTools(tools.tools, task.messages as unknown as ModelMessage[]);
      const input = inputTokenBound(instructions, task.messages, await toolDefinitionBytes(offered));
      const reservation = reserveStep(this.#asks, task, config.modelId, input);
      if (!reservation) return false;
      try {
        return await this.#think(task, config, { ...tools, offered }, active, instructions, reservation);
      } finally {
        // A call that never went out costs nothing (a call that did was charged, which released it).
        this.#d.spend.release(reservation);
      }
    }
    tools.checked(access);
    return this.#act(task, tools);
  }

  #tools(task: TaskDoc, config: ModelConfigured, active: Active): Promise<ActingTools> {
    const run = { id: task.id, threadId: task.threadId, scopes: task.scopes, triggeredBy: task.startedBy };
    return actingTools(
      { ...this.#d, currentAccess: active.access.current },
      run,
      config.riskyGatewayTools,
      (reason) => {
        active.abort.abort(new Error(reason));
        this.#stopForAccess(task.id, reason);
      },
    );
  }

  /** The model's part of a step: its text streams to the thread; its tool calls are stored, not run. */
  async #think(
    task: TaskDoc,
    config: ModelConfigured,
    tools: ActingTools & { offered: ToolSet },
    active: Active,
    instructions: string,
    reservation: Reservation,
  ): Promise<boolean> {
    const step = task.used.steps + 1;
    const chatRunId = `${task.id}.${step}`;
    const { threadId } = task;
    this.#d.broadcast("chat.delta", { threadId, instanceId: null, runId: chatRunId, offset: 0, text: "" });
    const sendText = visibleDeltas((d) =>
      this.#d.broadcast("chat.delta", { threadId, instanceId: null, runId: chatRunId, ...d }),
    );
    const started = Date.now();
    let tokens = 0;
    const log: NewRunLogEntry[] = [];
    const outcome = await runStream({
      model: createModel(config) as LanguageModel,
      instructions,
      messages: task.messages as unknown as ModelMessage[],
      maxOutputTokens: this.#d.spend.config.maxOutputTokens,
      tools: withoutExecute(tools.offered),
      toolApproval: () => "not-applicable",
      maxSteps: 1,
      // Retried here instead (retry.ts), each retry in the run log.
      maxRetries: 0,
      timeouts: config.timeouts,
      abortSignal: active.abort.signal,
      ...(config.apiKey ? { apiKey: config.apiKey } : {}),
      baseURL: config.baseURL,
      onEvent: (event) => {
        if (event.type === "text") sendText(event);
        if (event.type === "model-call") {
          tokens += (event.inputTokens ?? 0) + (event.outputTokens ?? 0);
          const at = Date.now() - event.durationMs;
          recordUsage(this.#d.sql, {
            at,
            threadId,
            runId: task.id,
            principalId: task.startedBy.id,
            purpose: "task",
            model: config.modelId,
            inputTokens: event.inputTokens,
            outputTokens: event.outputTokens,
            durationMs: event.durationMs,
            ok: event.ended === "answered",
          });
          chargeStep(this.#d.spend, reservation, {
            id: `task:${task.id}:${step}:${crypto.randomUUID()}`,
            task,
            model: config.modelId,
            inputTokens: event.inputTokens,
            outputTokens: event.outputTokens,
            ended: event.ended,
            at,
          });
          log.push(modelCallEntry(step, event, config.modelId));
        }
      },
      log: (fields) => console.error(JSON.stringify({ msg: "task model call failed", taskId: task.id, ...fields })),
    });
    const runningMs = Date.now() - started;
    const current = getTask(this.#d.sql, task.id);
    // The step's text goes to the thread once the step is stored: a restart in between asks
    // the model again rather than showing a step that was never kept.
    const show = () => finishSegment(this.#d, threadId, chatRunId, outcome.text, outcome.status === "aborted");
    if (current?.status !== "running") {
      // Paused or cancelled during the call: the step is not taken; its cost is.
      if (current) this.#save(current, { used: used(current, 0, tokens, runningMs) }, log);
      show();
      return false;
    }
    if (outcome.status !== "finished") {
      const retries = current.retries ?? 0;
      const retry = outcome.status === "failed" ? nextRetry(retries, outcome.transient) : null;
      if (retry && outcome.status === "failed") {
        const entries = [...log, retryEntry(step, outcome.error, retry)];
        this.#save(current, { used: used(current, 0, tokens, runningMs), retries: retry.attempt }, entries);
        show();
        active.retryInMs = retry.waitMs; // the loop waits (the step's reservation released), then asks again
        return true;
      }
      const why = outcome.status === "failed" ? afterRetries(outcome.error, retries) : outcome.reason;
      this.#save(current, { used: used(current, 0, tokens, runningMs), retries: 0 }, log);
      show();
      this.#end(task.id, "failed", why);
      return false;
    }
    const assistant = outcome.responseMessages.find((message) => message.role === "assistant");
    const calls = assistant ? toolCallsOf(assistant) : [];
    if (!assistant || calls.length === 0) {
      const messages = [...current.messages, ...(outcome.responseMessages as unknown as Record<string, unknown>[])];
      // The last step is reported on the job as every step is: a client of steps.derived makes
      // the report from the step's change, which cannot tell the last step from the others.
      this.#save(current, { used: used(current, 1, tokens, runningMs), messages, retries: 0 }, log, "step");
      show();
      this.#end(task.id, "done", outcome.text.trim() || "done");
      return false;
    }
    // Kept untold: its tokens and time go out with the step's end (once per step), or as it waits or ends.
    this.#save(
      current,
      {
        used: used(current, 0, tokens, runningMs),
        inflight: { step, assistant: assistant as unknown as Record<string, unknown>, calls },
        retries: 0,
      },
      log,
      "checkpoint",
    );
    show();
    active.stepTools = tools;
    return true;
  }

  /** The tool calls of the step in flight, in order; false when one waits for a person. */
  async #act(task: TaskDoc, tools: RunToolsShape): Promise<boolean> {
    const inflight = task.inflight!;
    let current = task;
    for (const call of inflight.calls) {
      if (call.result) continue;
      const verdict = decide(tools, call);
      let result: TaskCall["result"];
      if (verdict.kind === "denied") result = { status: "denied", text: verdict.reason };
      else if (verdict.kind === "ask" && !call.answer) {
        if (!call.roomApprovalId) askForCall(this.#asks, current, call);
        return false;
      } else if (call.answer && !call.answer.approved) result = { status: "denied", text: call.answer.reason };
      else result = await this.#run(tools, inflight.step, call);
      const fresh = getTask(this.#d.sql, task.id);
      if (!fresh?.inflight || fresh.status !== "running") return false;
      current = this.#record(fresh, call, result);
      // The last call's result ended the step in the same commit.
      if (!current.inflight) return true;
    }
    // Every call was answered before (a restart after the last result was kept), or the step's
    // messages do not fit: the step ends here.
    const end = stepEnd(current);
    if (!end.ok) {
      this.#end(task.id, "failed", `the task's conversation grew past what the room keeps (${end.bytes} bytes)`);
      return false;
    }
    taskCommitted(
      this.#d.sql,
      this.#commit((ctx) => reportStep(ctx, saveTask(ctx, end.task))),
    );
    return true;
  }

  /** What a task's asks (task-asks.ts) write through: this runner's commit, log and posts. */
  get #asks(): TaskAskOps {
    return {
      spend: this.#d.spend,
      model: () => this.#d.config(),
      instanceName: (threadId) => this.#d.gateway(threadId)?.instanceName ?? null,
      commit: (fn, task) => this.#commit(fn, task),
      log: (sql, runId, entries, at) => this.#log(sql, runId, entries, at),
      post: (threadId, text, runId) => post(this.#d, threadId, text, { kind: "error", runId }),
    };
  }

  /** A spend approval a task waits for was decided: approved, the next step goes on once; otherwise the task stops. */
  #spendDecided(approval: Approval, action: SpendAction): void {
    const outcome = spendDecided(this.#asks, approval, action);
    if (outcome === "go") this.pump();
    if (outcome === "stop") this.#end(action.for.id, "stopped", spendRefusedText(approval, action));
  }

  async #run(tools: RunToolsShape, step: number, call: TaskCall): Promise<NonNullable<TaskCall["result"]>> {
    const definition = tools.tools[call.tool];
    if (!definition?.execute) return { status: "error", text: `there is no tool ${call.tool}` };
    try {
      const output = await definition.execute(
        call.input as never,
        {
          // The step makes the id unique in the task (some endpoints number calls per response: call_0).
          toolCallId: `${step}:${call.toolCallId}`,
          messages: [],
        } as never,
      );
      return { status: "ok", text: clipResult(jsonText(output)) };
    } catch (error) {
      return { status: "error", text: clipResult(error instanceof Error ? error.message : String(error)) };
    }
  }

  /** A call's result, stored, posted to the thread and logged. */
  #record(task: TaskDoc, call: TaskCall, result: NonNullable<TaskCall["result"]>): TaskDoc {
    const inflight = task.inflight!;
    const calls = inflight.calls.map((c) => (c.toolCallId === call.toolCallId ? { ...c, result } : c));
    const tool = {
      callId: call.toolCallId,
      name: call.tool,
      arguments: clipText(jsonText(call.input ?? {})),
      result: clipText(result.text),
      status: result.status,
      durationMs: null,
      approvalId: call.roomApprovalId,
      runId: task.id,
    };
    const recorded = { ...task, inflight: { ...inflight, calls } };
    // The step's last result: the step ends with it (its messages join the task's, the job moves on).
    const end = calls.every((c) => c.result) ? stepEnd(recorded) : null;
    // One transaction: the result is kept, shown in the thread and logged, or none of it.
    const next = this.#commit((ctx) => {
      const thread = getThread(ctx.sql, task.threadId);
      if (thread) appendMessage(ctx, thread, ctx.actor, toolLine(tool), { kind: "tool", tool });
      this.#log(ctx.sql, task.id, [toolCallEntry(inflight.step, call, result)], ctx.now);
      return end?.ok ? reportStep(ctx, saveTask(ctx, end.task)) : checkpointTask(ctx.sql, recorded, ctx.now);
    });
    taskCommitted(this.#d.sql, next);
    return next;
  }

  /** Commits the task's change with its log: told, told with the step's report on its job, or kept untold. */
  #save(
    task: TaskDoc,
    change: Partial<TaskDoc>,
    log: NewRunLogEntry[] = [],
    how: "told" | "step" | "checkpoint" = "told",
  ): void {
    const saved = this.#commit((ctx) => {
      this.#log(ctx.sql, task.id, log, ctx.now);
      if (how === "checkpoint") return checkpointTask(ctx.sql, { ...task, ...change }, ctx.now);
      const next = saveTask(ctx, { ...task, ...change });
      return how === "step" ? reportStep(ctx, next) : next;
    });
    taskCommitted(this.#d.sql, saved);
  }

  /** Appends to a task's log; the entries go out live once what wrote them committed (#commit). */
  #log(sql: TaskDeps["sql"], runId: string, entries: NewRunLogEntry[], at: number): void {
    const stored = appendRunLog(sql, runId, entries, at);
    if (stored.length > 0) this.#unsent.push({ runId, entries: stored });
  }

  /** One transaction as the Autopilot (for the task's starter); its log entries go out after it committed. */
  #commit<T>(fn: Parameters<typeof asAutopilot<T>>[1], task?: Pick<TaskDoc, "scopes" | "startedBy">): T {
    try {
      const result = asAutopilot(this.#d, fn, task?.scopes, task?.startedBy);
      for (const appended of this.#unsent) {
        runLogCommitted(this.#d.sql, appended.entries);
        this.#d.broadcast("runlog.appended", appended);
      }
      return result;
    } finally {
      this.#unsent.length = 0;
    }
  }

  /** Ends a task: its status and outcome, its job, the approvals it still waits for withdrawn. */
  #end(
    taskId: string,
    status: Extract<TaskStatus, "done" | "stopped" | "failed" | "cancelled">,
    outcome: string,
  ): void {
    const ended = this.#commit((ctx) => {
      const task = getTask(ctx.sql, taskId);
      if (!task || ["done", "stopped", "failed", "cancelled"].includes(task.status)) return null;
      withdrawTaskApprovals(ctx, task, `the task ${status === "done" ? "finished" : status}: ${outcome}`.slice(0, 500));
      const next = saveTask(ctx, { ...task, status, outcome: outcome.slice(0, 4000), endedAt: ctx.now });
      if (task.jobId)
        reportJob(ctx, task.jobId, {
          status: status === "done" ? "succeeded" : status === "cancelled" ? "cancelled" : "failed",
          message: endText(status, outcome),
        });
      this.#log(
        ctx.sql,
        taskId,
        [{ kind: "end", step: task.used.steps, text: endText(status, outcome), details: { status, used: task.used } }],
        ctx.now,
      );
      return next;
    });
    if (ended && status !== "done")
      post(this.#d, ended.threadId, endText(status, outcome), { kind: "error", runId: `${taskId}.end` });
  }

  #stopForAccess(taskId: string, reason: string): void {
    const task = getTask(this.#d.sql, taskId);
    if (!task) return;
    this.interrupt(taskId, reason);
    this.#end(taskId, "stopped", `${task.startedBy.name} started this task and no longer has access (${reason})`);
  }
}
