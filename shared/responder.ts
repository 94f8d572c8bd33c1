import type { Responder } from "./protocol/agent";
import type { PrincipalKind } from "./protocol/principal";

// When the Autopilot answers a post: one rule, read by the room (which starts the run) and
// by the CLI (which refuses to wait for a reply that will not come).

const MENTION = /(^|[^\w@])@autopilot\b/i;

/** The post addresses the Autopilot by name (`@autopilot`, not `x@autopilot` nor `@autopilots`). */
export const mentionsAutopilot = (text: string): boolean => MENTION.test(text);

/**
 * Whether a post by a principal of this kind starts an Autopilot turn in a thread with this
 * responder: the Autopilot must be the responder; an agent's post only where the thread
 * lets agents trigger it; in "mention" mode only a post naming `@autopilot`.
 */
export function autopilotAnswers(responder: Responder, post: { from: PrincipalKind; text: string }): boolean {
  if (responder.kind !== "autopilot") return false;
  if (post.from === "agent" && !responder.agents) return false;
  return responder.reply === "every" || mentionsAutopilot(post.text);
}
