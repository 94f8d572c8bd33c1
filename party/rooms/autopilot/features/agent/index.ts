import type { AutopilotAgent } from "../../../../agent/runner";
import type { Feature } from "../../kernel/feature";

/** The Autopilot's own agent: it answers people's messages, and its paused runs go on once their approvals are decided. */
export function agent(runner: Pick<AutopilotAgent, "onPosted" | "onApprovalResolved" | "recover">): Feature {
  return {
    name: "agent",
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
