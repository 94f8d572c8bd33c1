import type { MethodParsedParams, MethodResult } from "../../../../../shared/protocol/methods";
import { type AgentDeps, AutopilotAgent } from "./runner";
import { RoomError } from "../../../../domain/errors";
import { fileBytes } from "../../../../files/storage";
import { isAccessPrincipal } from "../../../../auth/current-access";
import { getThread, threads } from "../threads/index";
import { defineFeature } from "../../kernel/feature";
import { local, methods, mutate, type RequestContext } from "../../kernel/handlers";
import { goAhead } from "./run-waiting";
import { windowedRun } from "./delta-window";
import { runActingFor } from "./run-access";
import { approvals } from "../approvals";
import { billing } from "../billing";
import { gatewayNotConnected, instances } from "../instances";
import { model } from "../model";
import { toolset } from "../toolset";

// What other features use of this one.
export { filedApprovals, FINISHED_RUN, forgetOldRuns, getRun, runsStartedSince } from "./agent-runs";
export { asAutopilot, AUTOPILOT_ACTOR, clipText, finishSegment, jsonText, post, toolLine } from "./autopilot-posts";
export { type ActingTools, actingTools, clipResult, runAccess } from "./run-access";
export {
  appendRunLog,
  type NewRunLogEntry,
  readRunLog,
  runLogCommitted,
  runLogFiguresSince,
  runsWrittenSince,
} from "./run-log";
export { spendRefusedText } from "./run-spend";
export { boundRunMessages, MAX_RUN_MESSAGES_BYTES } from "./run-storage";
export type { AgentDeps } from "./runner";
export { approvalEntry, endText, modelCallEntry, overBudget, toolCallEntry } from "./task-log";

declare module "../../kernel/feature" {
  interface RoomVias {
    /** One of the Autopilot's own tools, in a run. */
    tool: true;
  }
}

/**
 * The Autopilot's own agent: it answers people's messages, its paused runs go on once their
 * approvals are decided; the run engine its replies and the tasks' steps share (the model's
 * stream of a run over its tools, spend, pauses on approvals, recovery after a restart).
 */
export const agent = defineFeature({
  name: "agent",
  // After billing on the bus: an approved spend approval's raise is written before a paused run goes on.
  needs: [billing, instances, approvals, threads, model, toolset],
  build: (s, { billing, instances, approvals, threads, model: models, toolset }) => {
    const model = models.config();
    // With a model configured the Autopilot answers new threads.
    threads.autopilotAnswers(() => model.configured);
    approvals.actingFor(runActingFor);
    // What a run acts through, the Autopilot's replies and tasks' steps alike (tasks take it from here).
    // Their streamed text goes out at most once per window (delta-window.ts).
    const runs: Omit<AgentDeps, "files"> = windowedRun({
      sql: s.sql,
      commit: s.commit,
      config: () => model,
      broadcast: (event, payload) => s.broadcast(event, payload),
      keepAlive: () => s.keepAlive(),
      invoke: (principal, method, params, onBehalfOf, threadId) =>
        s.invoke(
          { principal, via: "tool", ...(onBehalfOf ? { onBehalfOf } : {}), ...(threadId ? { threadId } : {}) },
          method,
          params,
        ),
      gateway: (threadId) => instances.bridges.gatewayFor(threadId),
      currentAccess: s.currentAccess,
      spend: billing.spend,
      toolCost: toolset.costOf,
    });
    const runner = new AutopilotAgent({ ...runs, files: (fileId) => fileBytes(s.env.FILES, s.workspaceId())(fileId) });
    /** Stops the thread's reply: the Autopilot's own first, else its gateway's. */
    const abortChat = async (
      { principal }: RequestContext,
      params: MethodParsedParams<"chat.abort">,
    ): Promise<MethodResult<"chat.abort">> => {
      const thread = getThread(s.sql, params.threadId);
      if (!thread) throw new RoomError("not_found", `no thread ${params.threadId}`, { threadId: params.threadId });
      // The Autopilot's own reply (streaming, or waiting for a person's approval) stops first.
      const autopilot = runner.abort(thread.id, principal);
      if (autopilot) return autopilot;
      if (!thread.gateway)
        throw new RoomError("conflict", "this thread is not attached to an OpenClaw instance", { threadId: thread.id });
      const bridge = instances.bridges.get(thread.gateway.instanceId);
      if (!bridge) throw gatewayNotConnected({ id: thread.gateway.instanceId });
      return bridge.abort(thread.id);
    };
    return {
      api: { runner, runs },
      streams: () => runner.streams,
      methods: methods({
        "chat.abort": local(abortChat),
        // Withdraws what the run waits for; the room resumes it as for any expired approval.
        "chat.goAhead": mutate(goAhead),
      }),
      // Runs cut off by a restart resume or end visibly; paused ones decided meanwhile resume.
      start: () => runner.recover(),
      reactions: {
        "approval.resolved": ({ approval }) => runner.onApprovalResolved(approval),
      },
      answered: {
        // Only once chat.send answered are the sender's scopes known: the Autopilot's run acts
        // with at most those. Its own tools' messages start no run.
        // A guest's words in a bound chat (features/chats/) are answered for whoever bound it,
        // by a run that stays in the thread (agent-run.ts `guest`).
        "chat.send": ({ payload, principal, via, onBehalfOf }) => {
          if (via === "tool") return;
          if (onBehalfOf && !isAccessPrincipal(principal))
            return runner.onPosted(payload.message, { ...onBehalfOf, scopes: principal.scopes }, principal);
          runner.onPosted(payload.message, principal);
        },
      },
    };
  },
});

/** Tables of this feature that other features read (the room's schema: party/rooms/autopilot/schema.ts). */
export { agentRuns as agentRunsTable, agentToolCalls as agentToolCallsTable } from "./tables";
