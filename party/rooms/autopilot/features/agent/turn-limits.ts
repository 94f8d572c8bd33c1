// The per-thread turn cap of the Autopilot, as pure functions (turn-intake.ts applies it):
// a thread gets at most TURNS_PER_MINUTE turns in any minute.
import type { Scope } from "../../../../../shared/protocol/principal";

export const TURNS_PER_MINUTE = 8;
export const WINDOW_MS = 60_000;

/** When the next turn fits, given the times of the thread's recent turns; null: it fits now. */
export function turnLimit(turns: readonly number[], now: number, cap = TURNS_PER_MINUTE): { retryInMs: number } | null {
  const recent = turns.filter((at) => at > now - WINDOW_MS).sort((a, b) => a - b);
  if (recent.length < cap) return null;
  // A new turn fits once enough of these have left the window.
  const leaving = recent[recent.length - cap]!;
  return { retryInMs: Math.max(1, leaving + WINDOW_MS - now) };
}

export const limitNotice = (retryInMs: number, cap = TURNS_PER_MINUTE): string =>
  `The Autopilot answers at most ${cap} times a minute in one thread, so it did not answer that. Write again in ${Math.ceil(retryInMs / 1000)} s.`;

/** A folded turn acts with what every poster it answers may do: never more than any one of them. */
export const commonScopes = (a: readonly Scope[], b: readonly Scope[]): Scope[] =>
  a.filter((scope) => b.includes(scope));
