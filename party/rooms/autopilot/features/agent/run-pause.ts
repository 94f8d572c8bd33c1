// A run pausing on gated tool calls: one room approval per call, and the run's model
// messages stored with them (bounded: run-storage.ts), in one transaction, so a person's
// decision finds everything the run needs to resume, after any restart.
import type { ModelMessage } from "ai";
import { type AgentRun, endRun, saveRun } from "./agent-runs";
import { requestApproval } from "../approvals/index";
import { syncWaiting } from "./run-waiting";
import type { PendingCall } from "../../../../records/agent-run";
import { asAutopilot, clipText, jsonText, type PostDeps, post } from "./autopilot-posts";
import type { ModelConfigured } from "../model/index";
import type { GatewayAccess } from "../instances/index";
import { boundRunMessages, tooLargeMessage } from "./run-storage";
import type { ApprovalRequest } from "../model/index";
import { approvalFor } from "../toolset/index";

export interface PauseDeps extends PostDeps {
  /** The OpenClaw instance attached to a thread (its name titles a gateway tool's approval). */
  gateway(threadId: string): Pick<GatewayAccess, "instanceName"> | null;
  /** What a call of a tool that spends may cost, in words, for its approval (the feature that owns the tool says). */
  toolCost?(tool: string, input: unknown): string | null;
}

export function pauseRun(
  deps: PauseDeps,
  run: AgentRun,
  config: ModelConfigured,
  all: ModelMessage[],
  approvals: ApprovalRequest[],
): void {
  const bounded = boundRunMessages(all);
  if (!bounded.ok) {
    // Too large to keep: no approval is asked for a run that could never resume.
    post(deps, run.threadId, tooLargeMessage(bounded.bytes), {
      kind: "error",
      runId: `${run.id}.${run.segment}.stored`,
    });
    endRun(deps.sql, run.id, "failed", Date.now());
    return;
  }
  const { messages } = bounded;
  asAutopilot(
    deps,
    (ctx) => {
      const instance = deps.gateway(run.threadId)?.instanceName ?? null;
      const pending: PendingCall[] = approvals.map((request) => {
        const args = clipText(jsonText(request.input ?? {}));
        const asked = approvalFor(request.tool, request.input, config.riskyGatewayTools, instance);
        // A guest's run asks a person for anything beyond its thread: the approver sees who asked.
        const guest = run.doc.guest;
        const title = guest
          ? `${asked.title.slice(0, 120)}, for ${guest.name.slice(0, 60)}, a guest in the thread's chat`
          : asked.title;
        const { risk } = asked;
        const cost = deps.toolCost?.(request.tool, request.input) ?? null;
        const { approval } = requestApproval(
          ctx,
          {
            title,
            details: cost ? clipText(`${cost}\n\n${args}`) : args,
            risk,
            threadId: run.threadId,
            idempotencyKey: `ap-approval-${request.approvalId}`,
          },
          { kind: "tool", runId: run.id, toolCallId: request.toolCallId, tool: request.tool, arguments: args },
          config.approvalTtlMs,
        );
        return {
          approvalId: request.approvalId,
          toolCallId: request.toolCallId,
          tool: request.tool,
          input: request.input ?? null,
          roomApprovalId: approval.id,
          answer: null,
        };
      });
      const doc = { ...run.doc, messages: messages as unknown as Record<string, unknown>[], pending };
      saveRun(ctx.sql, { id: run.id, status: "awaiting_approval", segment: run.segment, doc }, ctx.now);
      // The thread shows what the run waits for, and what was posted meanwhile waits behind it.
      syncWaiting(ctx, run.threadId);
    },
    run.doc.scopes,
    run.doc.triggeredBy,
  );
}
