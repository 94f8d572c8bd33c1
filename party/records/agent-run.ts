import { z } from "zod";
import { Actor, Scope } from "../../shared/protocol/principal";
import { defineRecord } from "./codec";
import { DecidedCall } from "./tool-calls";

/** A call the run's model made that waits for (or got) a person's decision. */
export const PendingCall = z.object({
  /** The SDK's approval id: the resume answers it. */
  approvalId: z.string(),
  ...DecidedCall.shape,
});
export type PendingCall = z.infer<typeof PendingCall>;

/**
 * What an Autopilot run needs to survive a restart: who triggered it and with which
 * scopes, and while it waits for a person, the model messages so far (AI SDK
 * ModelMessages, kept as plain JSON: the SDK validates them again when the run resumes).
 */
export const AgentRunDoc = z.object({
  triggeredBy: Actor,
  scopes: z.array(Scope),
  /** The triggering message's ordinal: the context ends there. */
  triggerN: z.number().int().positive(),
  messages: z.array(z.record(z.string(), z.unknown())),
  pending: z.array(PendingCall),
  /**
   * While the run waits before a model call that would cross a budget: the spend approval
   * (run-spend.ts). Approved, the run goes on from `messages`; not, it ends with why.
   */
  spendApprovalId: z.string().optional(),
  /**
   * The guest in a bound chat (features/chats/) whose words the run answers, for `triggeredBy`
   * (who bound the thread): the run then sees only its thread as the chat does, and every tool
   * but reading that thread waits for a person (run-tools.ts `guestPolicy`). Kept when a
   * person's post folds into the run: once a guest's words are in it, it stays a guest's run.
   */
  guest: Actor.optional(),
  /** How often a restart cut the run after an approval and it was resumed again (bounded). */
  resumes: z.number().int().nonnegative().optional(),
});
export type AgentRunDoc = z.infer<typeof AgentRunDoc>;

export const agentRunRecord = defineRecord("agent run", AgentRunDoc);
