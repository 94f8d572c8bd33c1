import {
  durationWords,
  listWords,
  type Surface,
  sentToWords,
  surfaceWords,
} from "../../../../../shared/approval-reach-words";
import { DECIDED_IN_WORDS } from "../../../../../shared/plain-words";
import type { Approval } from "../../../../../shared/protocol/approvals";

/** What the asker is told (the asking thread, its bound chat, and the approval's reach), in words. */

const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/** The approval as a thread line names it. */
export const named = (approval: Pick<Approval, "title">) => `Approval “${clip(approval.title, 120)}”`;

/** Why nobody can be told, and what to do. */
export function nobodyWords(deciders: readonly { name: string }[], twoPersonRule: boolean): string {
  const todo =
    "Open it in the app's approvals and ask someone who may decide to look, or have an owner or admin add a member who can (Members & keys)";
  if (deciders.length === 0)
    return clip(
      `Nobody in the workspace may decide it now${twoPersonRule ? " (the two-person rule leaves out whoever asked)" : ""}. ${todo}.`,
      500,
    );
  return clip(
    `${listWords(deciders.map((d) => d.name))} may decide it but cannot be reached now (no open app, push, linked chat or mail). ${todo}.`,
    500,
  );
}

/** "reminded Ann by mail" / "sent to Carol in Slack too". */
export const remindedWords = (name: string, surface: Surface) => `reminded ${name} ${surfaceWords(surface)}`;
export const addedWords = (people: readonly { name: string; surfaces: readonly Surface[] }[]) =>
  `${sentToWords(people)} too`;

/** "waiting for Ann and Bob" (nobody: null). */
export const waitingFor = (names: readonly string[]): string | null =>
  names.length > 0 ? `waiting for ${listWords(names)}` : null;

/**
 * How it ended, with who decided it and where: "approved by Carol in Slack", or "expired:
 * nobody decided in 24 hours; Ann and Bob were told".
 */
export function outcomeWords(approval: Approval, told: readonly string[]): string {
  if (approval.status === "approved" || approval.status === "denied") {
    const who = approval.resolvedBy ? ` by ${approval.resolvedBy.name}` : "";
    const where = approval.decidedIn ? ` ${DECIDED_IN_WORDS[approval.decidedIn]}` : "";
    return clip(`${approval.status}${who}${where}${approval.note ? `: “${clip(approval.note, 200)}”` : ""}`, 500);
  }
  if (approval.note) return clip(`expired: ${approval.note.replace(/^withdrawn: /, "withdrawn, ")}`, 500);
  const waited = durationWords((approval.resolvedAt ?? approval.requestedAt) - approval.requestedAt);
  const whoKnew =
    told.length === 0
      ? "nobody who could decide it could be told"
      : `${listWords(told)} ${told.length === 1 ? "was" : "were"} told`;
  return clip(`expired: nobody decided in ${waited}; ${whoKnew}`, 500);
}
