import type { MethodName, MethodParsedParams, MethodResult } from "../../../../../shared/protocol/methods";
import { agentInfo, readModelConfig } from "./config";
import { type AgentDeps, AutopilotAgent } from "./runner";
import { effectiveToolset } from "./toolset";
import { toolName } from "./tools";
import { RoomError } from "../../../../domain/errors";
import { fileBytes } from "../../../../files/storage";
import { isAccessPrincipal } from "../../../../auth/current-access";
import { getThread, threads } from "../threads/index";
import { defineFeature } from "../../kernel/feature";
import { local, methods, mutate, query, type RequestContext } from "../../kernel/handlers";
import { deleteMemory, listMemory, putMemory } from "./memory";
import { listUsage } from "./usage";
import { goAhead } from "./run-waiting";
import { runActingFor } from "./run-access";
import { approvals } from "../approvals";
import { billing } from "../billing";
import { gatewayNotConnected, instances } from "../instances";

// What other features use of this one.
export { filedApprovals, FINISHED_RUN, forgetOldRuns } from "./agent-runs";
export { asAutopilot, AUTOPILOT_ACTOR, clipText, finishSegment, jsonText, post, toolLine } from "./autopilot-posts";
export { createModel, type ModelConfig, type ModelConfigured } from "./config";
export { listMemory } from "./memory";
export { buildInstructions } from "./model-context";
export { actingTools, runAccess } from "./run-access";
export { appendRunLog, type NewRunLogEntry, readRunLog } from "./run-log";
export { spendRefusedText } from "./run-spend";
export { boundRunMessages } from "./run-storage";
export { runStream } from "./run-stream";
export { answerFor, approvalFor, nodeCallTitle, type runTools } from "./run-tools";
export type { AgentDeps } from "./runner";
export { approvalEntry, endText, modelCallEntry, overBudget, toolCallEntry } from "./task-log";
export { AGENT_TOOLS, type AgentTool, runScopes, toolDefinitionBytes, toolInputSchema } from "./tools";
export { forgetOldUsage, recordUsage } from "./usage";

declare module "../../kernel/feature" {
  interface RoomVias {
    /** One of the Autopilot's own tools, in a run. */
    tool: true;
  }
}

/**
 * The Autopilot's own agent: it answers people's messages, its paused runs go on once their
 * approvals are decided; its memory of the workspace and its model usage.
 */
export const agent = defineFeature({
  name: "agent",
  // After billing on the bus: an approved spend approval's raise is written before a paused run goes on.
  needs: [billing, instances, approvals, threads],
  build: (s, { billing, instances, approvals, threads }) => {
    const model = readModelConfig(s.env);
    // With a model configured the Autopilot answers new threads.
    threads.autopilotAnswers(() => model.configured);
    approvals.actingFor(runActingFor);
    // What a run acts through, the Autopilot's replies and tasks' steps alike (tasks take it from here).
    /** What a call of a tool that spends may cost, by tool name, as the feature that owns the method says. */
    const toolCosts = new Map<string, (input: unknown) => string | null>();
    const runs: Omit<AgentDeps, "files"> = {
      sql: s.sql,
      commit: s.commit,
      config: () => model,
      broadcast: (event, payload) => s.broadcast(event, payload),
      keepAlive: () => s.keepAlive(),
      invoke: (principal, method, params, onBehalfOf) =>
        s.invoke({ principal, via: "tool", ...(onBehalfOf ? { onBehalfOf } : {}) }, method, params),
      gateway: (threadId) => instances.bridges.gatewayFor(threadId),
      currentAccess: s.currentAccess,
      spend: billing.spend,
      toolCost: (tool, input) => toolCosts.get(tool)?.(input) ?? null,
    };
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
      api: {
        runner,
        model: () => model,
        runs,
        /** A method that spends when the Autopilot calls it: its tool approval says `words(input)` first. */
        toolCost: (method: MethodName, words: (input: unknown) => string | null) =>
          void toolCosts.set(toolName(method), words),
      },
      hello: () => ({ agent: agentInfo(model) }),
      streams: () => runner.streams,
      methods: methods({
        // What a run would get here if the requester triggered it: built as runs build theirs.
        // Asked by the Autopilot's own tool, the requester is whom its run acts for, with the run's scopes.
        "agent.toolset": local((req, params) =>
          effectiveToolset(
            { sql: s.sql, config: model, gateway: (threadId) => instances.bridges.gatewayFor(threadId) },
            req.onBehalfOf ? { ...req.onBehalfOf, scopes: req.principal.scopes } : req.principal,
            params,
          ),
        ),
        "chat.abort": local(abortChat),
        // Withdraws what the run waits for; the room resumes it as for any expired approval.
        "chat.goAhead": mutate(goAhead),
        // What the Autopilot remembers of the workspace (its instructions carry it), and what its model calls used.
        "memory.list": query(listMemory),
        "memory.put": mutate(putMemory),
        "memory.delete": mutate(deleteMemory),
        "usage.list": query(listUsage),
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
export { agentRuns as agentRunsTable, agentToolCalls as agentToolCallsTable, usage as usageTable } from "./tables";
