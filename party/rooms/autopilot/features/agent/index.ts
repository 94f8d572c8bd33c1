import type { ModelConfig } from "../../../../agent/config";
import type { AutopilotAgent } from "../../../../agent/runner";
import { effectiveToolset } from "../../../../agent/toolset";
import type { Feature } from "../../kernel/feature";
import { local, methods } from "../../kernel/handlers";

/** The Autopilot's own agent: it answers people's messages, and its paused runs go on once their approvals are decided. */
export function agent(
  runner: Pick<AutopilotAgent, "onPosted" | "onApprovalResolved" | "recover">,
  model: () => ModelConfig,
): Feature {
  return {
    name: "agent",
    methods: methods({
      // What a run would get here if the requester triggered it: built as runs build theirs.
      // Asked by the Autopilot's own tool, the requester is whom its run acts for, with the run's scopes.
      "agent.toolset": local((req, params) =>
        effectiveToolset(
          { sql: req.room.sql, config: model(), gateway: (threadId) => req.room.bridges.gatewayFor(threadId) },
          req.onBehalfOf ? { ...req.onBehalfOf, scopes: req.principal.scopes } : req.principal,
          params,
        ),
      ),
    }),
    // Runs cut off by a restart resume or end visibly; paused ones decided meanwhile resume.
    start: () => runner.recover(),
    reactions: {
      "approval.resolved": ({ approval }) => runner.onApprovalResolved(approval),
    },
    answered: {
      // Only once chat.send answered are the sender's scopes known: the Autopilot's run acts
      // with at most those. Its own tools' messages start no run.
      "chat.send": ({ payload, principal, via }) => {
        if (via !== "tool") runner.onPosted(payload.message, principal);
      },
    },
  };
}
