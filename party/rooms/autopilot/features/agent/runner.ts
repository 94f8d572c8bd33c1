// The Autopilot's agent inside the room: a run per triggering message (posts made while a
// run is active fold into one follow-up run, and turns are capped: turn-intake.ts),
// streamed to every client as chat deltas (instanceId null), its tool calls executed
// through the room's own dispatch as the Autopilot, paused durably on gated tools until a
// person decides. It acts for whoever triggered it only while they still have access:
// each tool call and each start or resume asks D1 first (run-access.ts).
//
// Exactly-once: a tool executes through dispatch with an idempotency key derived from the
// run and the tool call, so a replayed call answers from the idempotency table; a resumed
// run is claimed with a conditional update (`awaiting_approval` → `streaming`), so ten
// people deciding at once resume it once. The room stays lifecycle and wiring: it feeds
// this class posted messages and resolved approvals, and asks it to abort and recover.
import type { LanguageModel, ModelMessage } from "ai";
import type { ChatAbortResult, ChatStream } from "../../../../../shared/protocol/gateway";
import type { Approval } from "../../../../../shared/protocol/approvals";
import type { SpendAction } from "../../../../../shared/protocol/billing";
import type { Actor, Principal } from "../../../../../shared/protocol/principal";
import type { Message } from "../../../../../shared/protocol/threads";
import { autopilotAnswers } from "../../../../../shared/responder";
import type { z } from "zod";
import {
  activeRun,
  type AgentRun,
  claimRun,
  endRun,
  getRun,
  nextQueued,
  recordToolCall,
  runsWithStatus,
  saveRun,
  toolCallPosted,
} from "./agent-runs";
import { getApproval } from "../approvals/index";
import { newId } from "../../../../domain/keys";
import { syncWaiting } from "./run-waiting";
import { getThread } from "../threads/index";
import type { SpendGate } from "../billing/index";
import { projectOfThread } from "../projects/index";
import { recordReplyCall, RunSpending, refusedRun, runSpender } from "./run-spend";
import { modelCallEntry, RunLogWriter, toolCallEntry } from "./task-log";
import { clipText, failSegment, finishSegment, jsonText, type PostDeps, post, toolLine } from "./autopilot-posts";
import { createModel, type ModelConfig, type ModelConfigured } from "../model/index";
import { AUTOPILOT_ID } from "../../../../../shared/people";
import { buildRunContext, runInstructions } from "./run-context";
import type { FileBytes } from "../model/index";
import { pauseRun } from "./run-pause";
import { answerToolCall, cancelWaitingRun, decideRunSpend } from "./run-decisions";
import { canResumeAgain, nextResume } from "./run-recovery";
import { type ActingToolsDeps, actingTools, approvalFiledBy, type RunAccess, runAccess, stopRun } from "./run-access";
import { type ApprovalAnswer, type RunEvent, resumeMessages, runStream } from "../model/index";
import { requestTitle } from "./titles";
import { offeredToolBytes, offeredToolNames, type RunTools } from "../toolset/index";
import { inputTokenBound, spendWaiters, TYPICAL_CALL_GUESS } from "../billing/index";
import { takePost } from "./turn-intake";
import { limitNotice } from "./turn-limits";

export interface AgentDeps extends PostDeps, ActingToolsDeps {
  config(): ModelConfig;
  /** Keeps the object in memory while a run streams or runs a tool; call the release when done. */
  keepAlive(): Promise<() => void>;
  /** The bytes of a file in this workspace (files in threads), for the model. */
  files: FileBytes;
  /** Budgets checked before each model call, its actual cost recorded after (spend-gate.ts). */
  spend: SpendGate;
  /** What a call of a tool that spends may cost, in words (run-pause.ts). */
  toolCost(tool: string, input: unknown): string | null;
}

interface Active {
  runId: string;
  abort: AbortController;
  /** The segment streaming right now (null while the context is built). */
  stream: ChatStream | null;
  /** Why the run stops: its trigger's access is gone (run-access.ts). */
  stopped: string | null;
}

export const INTERRUPTED = "the reply was interrupted by a restart";

export class AutopilotAgent {
  readonly #d: AgentDeps;
  /** By thread: the run this object is executing right now. */
  readonly #active = new Map<string, Active>();
  /** By thread: until when a turn-limit notice is not repeated (resets on wake, like the rate limiter). */
  readonly #quietUntil = new Map<string, number>();
  readonly #runLog: RunLogWriter;

  constructor(deps: AgentDeps) {
    this.#d = deps;
    this.#runLog = new RunLogWriter(deps);
  }

  /** The Autopilot's replies streaming right now, for a connecting client's hello. */
  get streams(): ChatStream[] {
    return [...this.#active.values()].flatMap((active) => (active.stream ? [{ ...active.stream }] : []));
  }

  /**
   * A message was posted with `chat.send` by `principal`: answer it if the thread wants that
   * (an agent's only where the thread lets agents trigger it; in an OpenClaw thread a
   * person's `@autopilot`: shared/responder.ts). `guest`: a guest in a bound chat said it,
   * and `principal` is whom the run acts for.
   */
  onPosted(message: Message, principal: Principal, guest?: Actor): void {
    if (message.author.id === AUTOPILOT_ID || message.author.id.startsWith("instance:")) return;
    const thread = getThread(this.#d.sql, message.threadId);
    const addressed = { from: principal.kind, text: message.text, guest: guest !== undefined };
    if (!thread || thread.archived || !autopilotAnswers(thread.responder, addressed)) return;
    const now = Date.now();
    const intake = takePost(this.#d.sql, {
      threadId: thread.id,
      message,
      principal,
      guest,
      now,
      newRunId: () => newId("run"),
    });
    if (intake.kind === "limited" && now >= (this.#quietUntil.get(thread.id) ?? 0)) {
      this.#quietUntil.set(thread.id, now + intake.retryInMs);
      post(this.#d, thread.id, limitNotice(intake.retryInMs), { kind: "error" });
    }
    if (intake.kind === "queued" || intake.kind === "folded") this.#syncWaiting(thread.id);
    if (intake.kind === "queued") this.#pump(thread.id);
  }

  /** The thread's `waiting` follows its runs (run-waiting.ts). */
  #syncWaiting(threadId: string): void {
    this.#d.commit(null, (ctx) => syncWaiting(ctx, threadId));
  }

  /** Starts the thread's oldest queued run unless one is active. */
  #pump(threadId: string): void {
    const { sql } = this.#d;
    if (this.#active.has(threadId) || activeRun(sql, threadId)) return;
    const run = nextQueued(sql, threadId);
    if (!run || !claimRun(sql, run.id, "queued", "streaming", Date.now())) return;
    this.#execute({ ...run, status: "streaming" }, (active) => this.#start({ ...run, status: "streaming" }, active));
  }

  #execute(run: AgentRun, work: (active: Active) => Promise<void>): void {
    const active: Active = { runId: run.id, abort: new AbortController(), stream: null, stopped: null };
    this.#active.set(run.threadId, active);
    void (async () => {
      const release = await this.#d.keepAlive().catch(() => () => {});
      // Building the run (tools, context, the model request) is a long stretch of CPU with no
      // I/O in between: let the event loop send what the triggering request already
      // queued (its answer, the message's event) before that, not after it.
      await new Promise((resolve) => setTimeout(resolve, 0));
      try {
        await work(active);
      } catch (error) {
        // A bug, not a model failure (those are outcomes): end the run visibly instead of blocking the thread.
        console.error(
          JSON.stringify({
            msg: "autopilot run failed",
            runId: run.id,
            error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
          }),
        );
        if (getRun(this.#d.sql, run.id)?.status === "streaming") {
          failSegment(
            this.#d,
            run.threadId,
            `${run.id}.${run.segment}`,
            active.stream?.text ?? "",
            "the Autopilot failed to answer (internal error)",
          );
          endRun(this.#d.sql, run.id, "failed", Date.now());
        }
      } finally {
        if (this.#active.get(run.threadId) === active) this.#active.delete(run.threadId);
        release();
        this.#pump(run.threadId);
      }
    })();
  }

  async #start(run: AgentRun, active: Active): Promise<void> {
    const config = this.#d.config();
    if (!config.configured) {
      failSegment(this.#d, run.threadId, `${run.id}.0`, "", config.message);
      endRun(this.#d.sql, run.id, "failed", Date.now());
      return;
    }
    // Read while the context is built: the run asks the model only for someone who still may.
    const access = runAccess(this.#d.currentAccess, run.doc);
    const model = createModel(config);
    const tools = await this.#tools(run, config, active);
    const context = await buildRunContext({
      sql: this.#d.sql,
      spend: this.#d.spend,
      config,
      model,
      threadId: run.threadId,
      runId: run.id,
      principalId: run.doc.triggeredBy.id,
      triggerN: run.doc.triggerN,
      guest: run.doc.guest !== undefined,
      tools: tools.tools,
      abortSignal: active.abort.signal,
      files: this.#d.files,
    });
    if (await this.#mayGoOn(run, access))
      await this.#segment(run, active, config, model, tools, context.instructions, context.messages);
  }

  #tools(run: AgentRun, config: ModelConfigured, active: Active): Promise<RunTools> {
    const { scopes, triggeredBy, guest } = run.doc;
    const acting = { id: run.id, threadId: run.threadId, scopes, triggeredBy, guest: guest !== undefined };
    return actingTools(this.#d, acting, config.riskyGatewayTools, (reason) => this.#stop(active, reason));
  }

  /** The trigger's access is gone: the run stops where it is (#segment ends it with why). */
  #stop(active: Active, reason: string): void {
    active.stopped ??= reason;
    active.abort.abort(new Error(reason));
  }

  /** Whether the run may go on for its trigger; when its access is gone the run is stopped here. */
  async #mayGoOn(run: AgentRun, pending: Promise<RunAccess>): Promise<boolean> {
    const access = await pending;
    if (access.kind === "unknown") throw new Error(`could not read the access of the run's trigger: ${access.error}`);
    if (access.kind === "gone") stopRun(this.#d, run, `${run.id}.${run.segment}`, "", access.reason);
    return access.kind === "ok";
  }

  /** Access changed in the workspace: a run streaming for someone whose access is gone stops now, not at its next tool call. */
  async recheckActive(): Promise<void> {
    for (const active of [...this.#active.values()]) {
      const run = getRun(this.#d.sql, active.runId);
      const access = run ? await runAccess(this.#d.currentAccess, run.doc) : null;
      if (access?.kind === "gone") this.#stop(active, access.reason);
    }
  }

  async #segment(
    run: AgentRun,
    active: Active,
    config: ModelConfigured,
    model: LanguageModel,
    tools: RunTools,
    instructions: string,
    messages: ModelMessage[],
  ): Promise<void> {
    const { threadId } = run;
    const chatRunId = `${run.id}.${run.segment}`;
    const stream: ChatStream = { threadId, instanceId: null, runId: chatRunId, text: "", startedAt: Date.now() };
    active.stream = stream;
    this.#d.broadcast("chat.delta", { threadId, instanceId: null, runId: chatRunId, offset: 0, text: "" });
    const toolBytes = await offeredToolBytes(tools.tools);
    const spending = new RunSpending(
      this.#d.spend,
      runSpender(run, projectOfThread(this.#d.sql, threadId)?.id ?? null),
      (sent) => this.#d.spend.modelEstimate(config.modelId, inputTokenBound(instructions, sent, toolBytes(sent))),
    );
    if (!spending.next(messages)) return this.#refused(run, active, chatRunId, spending, messages);
    const outcome = await runStream({
      model,
      instructions,
      messages,
      tools: tools.tools,
      toolApproval: tools.approval,
      offered: (sent) => offeredToolNames(tools.tools, sent),
      maxSteps: config.maxSteps,
      maxOutputTokens: this.#d.spend.config.maxOutputTokens,
      mayContinue: (sent) => spending.next(sent),
      timeouts: config.timeouts,
      abortSignal: active.abort.signal,
      ...(config.apiKey ? { apiKey: config.apiKey } : {}),
      baseURL: config.baseURL,
      onEvent: (event) => {
        this.#onEvent(run, stream, config, event, spending);
      },
      log: (fields) => console.error(JSON.stringify({ msg: "autopilot model call failed", runId: run.id, ...fields })),
    }).finally(() => spending.end());
    active.stream = null;
    // A step cut off before the SDK reported its model call: its tool calls are logged anyway.
    this.#runLog.flush(run.id);
    const now = Date.now();
    if (active.stopped !== null) {
      stopRun(this.#d, run, chatRunId, outcome.text, active.stopped);
    } else if (outcome.status === "failed") {
      failSegment(this.#d, threadId, chatRunId, outcome.text, outcome.error);
      endRun(this.#d.sql, run.id, "failed", now);
    } else if (outcome.status === "aborted") {
      finishSegment(this.#d, threadId, chatRunId, outcome.text, true);
      endRun(this.#d.sql, run.id, "aborted", now);
    } else if (spending.refused && outcome.status === "finished" && outcome.approvals.length === 0) {
      // The stream stopped between steps because the next call was refused: what it said is kept.
      finishSegment(this.#d, threadId, chatRunId, outcome.text);
      this.#refused(run, active, `${chatRunId}.spend`, spending, [...messages, ...outcome.responseMessages]);
    } else if (outcome.approvals.length > 0) {
      // In one turn with the segment's end: a client tells a pause from the run's end by whether
      // the pause came before the answer to a request it sent after chat.final (`send --wait-reply`).
      finishSegment(this.#d, threadId, chatRunId, outcome.text);
      pauseRun(this.#d, run, config, [...messages, ...outcome.responseMessages], outcome.approvals);
    } else {
      const reply = finishSegment(this.#d, threadId, chatRunId, outcome.text);
      endRun(this.#d.sql, run.id, "finished", now);
      if (reply) await requestTitle(this.#d, { config, model, run, reply });
    }
  }

  /**
   * The spend gate said no to the run's next model call (run-spend.ts): out of credits, the
   * run ends with why; over a budget, it waits on a spend approval with `messages`, what the
   * next call would have sent, and the thread's `waiting` names it.
   */
  #refused(run: AgentRun, active: Active, chatRunId: string, spending: RunSpending, messages: ModelMessage[]): void {
    // Refused before the segment's first call: its stream began and ends here.
    const streaming = active.stream?.runId === chatRunId;
    active.stream = null;
    const config = this.#d.config();
    const pause = {
      ttlMs: config.configured ? config.approvalTtlMs : undefined,
      stepsAhead: config.configured ? config.maxSteps : 1,
      // Before any reply here was charged, its typical cost is a stated guess: one modest call.
      guess: config.configured
        ? this.#d.spend.modelEstimate(config.modelId, TYPICAL_CALL_GUESS.inputTokens, TYPICAL_CALL_GUESS.outputTokens)
        : 1,
    };
    if (!refusedRun(this.#d, run, chatRunId, spending.refused!, messages, pause))
      return endRun(this.#d.sql, run.id, "failed", Date.now());
    if (streaming)
      this.#d.broadcast("chat.final", { threadId: run.threadId, runId: chatRunId, messageId: null, aborted: false });
  }

  #onEvent(run: AgentRun, stream: ChatStream, config: ModelConfigured, event: RunEvent, spending: RunSpending): void {
    const { threadId } = run;
    switch (event.type) {
      case "text":
        stream.text = stream.text.slice(0, event.offset) + event.text;
        this.#d.broadcast("chat.delta", {
          threadId,
          instanceId: null,
          runId: stream.runId,
          offset: event.offset,
          text: event.text,
        });
        return;
      case "tool-finished": {
        if (toolCallPosted(this.#d.sql, run.id, event.toolCallId)) return;
        const result =
          event.status === "ok" ? jsonText(event.output) : event.status === "error" ? event.error : event.reason;
        const asked = run.doc.pending.find((p) => p.toolCallId === event.toolCallId)?.roomApprovalId ?? null;
        const tool = {
          callId: event.toolCallId,
          name: event.tool,
          arguments: clipText(jsonText(event.input ?? {})),
          result: result === null ? null : clipText(result),
          status:
            event.status === "denied" && event.reason?.startsWith("expired") ? ("expired" as const) : event.status,
          durationMs: event.durationMs === null ? null : Math.max(0, Math.round(event.durationMs)),
          approvalId: asked ?? (event.status === "ok" ? approvalFiledBy(event.tool, event.output) : null),
          runId: run.id,
        };
        const message = post(this.#d, threadId, toolLine(tool), { kind: "tool", tool });
        const entry = toolCallEntry(
          run.segment,
          { toolCallId: event.toolCallId, tool: event.tool, input: event.input, roomApprovalId: asked },
          { status: tool.status === "expired" ? "denied" : tool.status, text: result ?? "" },
        );
        // A call decided by a person belongs to the step before the pause: logged as it runs. Any other comes
        // after the model call that asked for it, which the SDK reports once the step ends.
        if (asked) this.#runLog.write(run.id, [entry]);
        else this.#runLog.hold(run.id, entry);
        recordToolCall(
          this.#d.sql,
          {
            runId: run.id,
            toolCallId: event.toolCallId,
            name: event.tool,
            status: tool.status,
            messageId: message?.id ?? null,
          },
          Date.now(),
        );
        return;
      }
      case "model-call":
        this.#runLog.write(run.id, [modelCallEntry(run.segment, event, config.modelId)]);
        this.#runLog.flush(run.id);
        recordReplyCall(this.#d.sql, spending, run, config.modelId, event);
        return;
      default:
        return;
    }
  }

  /** An approval was decided (or expired): a paused run resumes once all of its calls are answered. */
  onApprovalResolved(approval: Approval): void {
    const action = approval.action;
    if (action?.kind === "spend" && action.for.kind === "run") return this.#spendDecided(approval, action);
    if (action?.kind !== "tool" || approval.status === "pending") return;
    const { resumed, logged } = answerToolCall(this.#d.sql, approval, action);
    if (logged.length > 0) this.#d.broadcast("runlog.appended", { runId: action.runId, entries: logged });
    if (approval.threadId) this.#syncWaiting(approval.threadId);
    if (resumed) this.#execute(resumed, (active) => this.#resume(resumed, active));
  }

  /**
   * The spend approval a run waits on was decided (its budget already raised: the billing
   * feature reacts first): approved, each reply waiting on it goes on from its stored messages,
   * once however many decide; otherwise each ends with why and its thread's queue moves on.
   */
  #spendDecided(approval: Approval, action: SpendAction): void {
    // Every reply waiting on it: the one it was filed for and those that reached the same edge.
    for (const waiter of spendWaiters(action)) {
      if (waiter.kind !== "run") continue;
      const decided = decideRunSpend(this.#d.sql, approval, action, waiter.id);
      if (!decided) continue;
      const { run, stopped } = decided;
      this.#syncWaiting(run.threadId);
      if (stopped === null) {
        this.#execute(run, (active) => this.#resume(run, active));
        continue;
      }
      failSegment(this.#d, run.threadId, `${run.id}.${run.segment}.spend`, "", stopped);
      this.#pump(run.threadId);
    }
  }

  async #resume(run: AgentRun, active: Active): Promise<void> {
    const config = this.#d.config();
    if (!config.configured) {
      failSegment(this.#d, run.threadId, `${run.id}.${run.segment}`, "", config.message);
      endRun(this.#d.sql, run.id, "failed", Date.now());
      return;
    }
    const access = runAccess(this.#d.currentAccess, run.doc);
    const answers = run.doc.pending.map(
      (call): ApprovalAnswer =>
        call.answer?.approved
          ? { approvalId: call.approvalId, approved: true }
          : { approvalId: call.approvalId, approved: false, reason: call.answer?.reason ?? "denied" },
    );
    const stored = run.doc.messages as unknown as ModelMessage[];
    // After a spend approval no call waits for an answer: the run goes on with what it had.
    const messages = answers.length > 0 ? resumeMessages(stored, answers) : stored;
    const model = createModel(config);
    const tools = await this.#tools(run, config, active);
    const instructions = runInstructions(this.#d.sql, run.threadId, run.doc.guest !== undefined);
    if (await this.#mayGoOn(run, access))
      await this.#segment(run, active, config, model, tools, instructions, messages);
  }

  /** `chat.abort` on a thread: stops its streaming reply, or cancels a run waiting for a person. Null: nothing to stop. */
  abort(threadId: string, by: Actor): z.output<typeof ChatAbortResult> | null {
    const active = this.#active.get(threadId);
    if (active) {
      active.abort.abort(new Error(`stopped by ${by.name}`));
      return { aborted: true, runIds: [active.stream?.runId ?? active.runId] };
    }
    const run = activeRun(this.#d.sql, threadId);
    if (run?.status !== "awaiting_approval") return null;
    const stopped = cancelWaitingRun(this.#d, run, by);
    if (!stopped) return null;
    this.#pump(threadId);
    return { aborted: true, runIds: [run.id] };
  }

  /**
   * After a restart: a run that was streaming was cut off (its object went away mid-reply):
   * it resumes again if it had been resumed from approvals (run-recovery.ts), else it ends;
   * a paused run whose approval was decided meanwhile resumes, and its thread's `waiting`
   * is recomputed (a room that ran an older version never wrote it); queued runs start.
   */
  recover(): void {
    const { sql } = this.#d;
    for (const run of runsWithStatus(sql, "streaming")) {
      if (this.#active.has(run.threadId)) continue;
      if (canResumeAgain(run)) {
        // Clients may hold the cut segment's partial text: end it; the new segment streams the whole reply.
        this.#d.broadcast("chat.final", {
          threadId: run.threadId,
          runId: `${run.id}.${run.segment}`,
          messageId: null,
          aborted: true,
        });
        const again = nextResume(run);
        saveRun(sql, again, Date.now());
        this.#execute(again, (active) => this.#resume(again, active));
        continue;
      }
      failSegment(this.#d, run.threadId, `${run.id}.${run.segment}`, "", INTERRUPTED);
      endRun(sql, run.id, "failed", Date.now());
    }
    for (const run of runsWithStatus(sql, "awaiting_approval")) {
      const spend = run.doc.spendApprovalId ? getApproval(sql, run.doc.spendApprovalId) : null;
      if (spend && spend.status !== "pending") this.onApprovalResolved(spend);
      for (const call of run.doc.pending) {
        const approval = call.roomApprovalId && !call.answer ? getApproval(sql, call.roomApprovalId) : null;
        if (approval && approval.status !== "pending") this.onApprovalResolved(approval);
      }
      this.#syncWaiting(run.threadId);
    }
    for (const threadId of new Set(runsWithStatus(sql, "queued").map((run) => run.threadId))) this.#pump(threadId);
  }
}
