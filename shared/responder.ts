import type { Responder } from "./protocol/agent";
import type { PrincipalKind } from "./protocol/principal";

// When the Autopilot answers a post: one rule, read by the room (which starts the run, and
// keeps from an OpenClaw gateway what is addressed to the Autopilot) and by the CLI (which
// refuses to wait for a reply that will not come).

const MENTION = /(^|[^\w@])@autopilot\b/i;

/** The post addresses the Autopilot by name (`@autopilot`, not `x@autopilot` nor `@autopilots`). */
export const mentionsAutopilot = (text: string): boolean => MENTION.test(text);

/** A post as the rule reads it: who wrote it, and whether as a guest of a bound chat (decision 75). */
export interface Post {
  from: PrincipalKind;
  text: string;
  /** Said by a guest in a chat bound to the thread (a run would act for whoever bound it). */
  guest?: boolean;
}

/**
 * Whether a post by a principal of this kind starts an Autopilot turn in a thread with this
 * responder. Where the Autopilot is the responder: an agent's post only where the thread
 * lets agents trigger it; in "mention" mode only a post naming `@autopilot`. Where an
 * OpenClaw instance answers: only a person's own post naming `@autopilot` (not an agent's,
 * nor a guest's in a bound chat), and that post is the Autopilot's, not sent to the gateway.
 */
export function autopilotAnswers(responder: Responder, post: Post): boolean {
  if (responder.kind === "openclaw") return post.from === "user" && !post.guest && mentionsAutopilot(post.text);
  if (responder.kind !== "autopilot") return false;
  if (post.from === "agent" && !responder.agents) return false;
  return responder.reply === "every" || mentionsAutopilot(post.text);
}
