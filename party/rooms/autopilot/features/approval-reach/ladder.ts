import type { Surface } from "../../../../../shared/approval-reach-words";
import { isChatSurface } from "../../../../../shared/approval-reach-words";
import type { Risk } from "../../../../../shared/protocol/approvals";
import type { QuietHours } from "../../../../../shared/protocol/inbox";
import type { Role } from "../../../../../shared/protocol/principal";
import {
  DEFAULT_REMINDER_LADDER,
  type ReminderLadder,
  type ReminderStep,
} from "../../../../../shared/protocol/settings";

/**
 * The reminder ladder's rules, with no room in them (the room's feature, index.ts, reads the
 * people and sends): whom an approval is sent to first, whom each step reminds or adds, who is
 * in their quiet hours, and which surface a reminder takes.
 *
 * The people who may decide are taken in rungs by role: members first, then admins, then
 * owners. An approval is sent first to the lowest rung that has someone reachable and awake;
 * `admins` and `owners` steps add those rungs. A person in their quiet hours is passed over
 * for the next person awake, except for a critical approval, which reaches them anyway.
 */

/** A person who may decide, as the ladder sees them. */
export interface Candidate {
  id: string;
  name: string;
  role: Role;
  quietHours: QuietHours | null;
  /** Where they can be told now, in the order a reminder tries them. */
  surfaces: Surface[];
}

const RUNG: Record<Role, number> = { member: 0, viewer: 0, admin: 1, owner: 2 };

/** Minutes past midnight in `timeZone` at `at`. */
export function minutesOfDay(at: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat("en-GB", {
    timeZone,
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  }).formatToParts(at);
  const part = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return part("hour") * 60 + part("minute");
}

const minutesOf = (time: string): number => Number(time.slice(0, 2)) * 60 + Number(time.slice(3, 5));

/** Whether `at` falls in the person's quiet hours (from inclusive, to exclusive; across midnight when from > to). */
export function inQuietHours(quiet: QuietHours | null, at: number): boolean {
  if (!quiet) return false;
  const from = minutesOf(quiet.from);
  const to = minutesOf(quiet.to);
  if (from === to) return false;
  let now: number;
  try {
    now = minutesOfDay(at, quiet.timeZone);
  } catch {
    return false;
  }
  return from < to ? now >= from && now < to : now >= from || now < to;
}

/** Whether a reminder may go to this person now: awake, or the approval is critical. */
export const mayWake = (c: Candidate, at: number, risk: Risk): boolean =>
  risk === "critical" || !inQuietHours(c.quietHours, at);

/** The people who may decide, in rung order (members, admins, owners), each rung in the order given. */
export const byRung = (deciders: readonly Candidate[]): Candidate[] =>
  [...deciders].sort((a, b) => RUNG[a.role] - RUNG[b.role]);

/**
 * Whom an approval is sent to when filed: the lowest rung with someone reachable and awake
 * (those of them), and the reachable people of lower rungs passed over for their quiet hours.
 * Empty `to`: nobody who may decide can be reached now.
 */
export function firstRecipients(
  deciders: readonly Candidate[],
  at: number,
  risk: Risk,
): { to: Candidate[]; asleep: Candidate[] } {
  const asleep: Candidate[] = [];
  for (const rung of [0, 1, 2]) {
    const reachable = deciders.filter((c) => RUNG[c.role] === rung && c.surfaces.length > 0);
    const awake = reachable.filter((c) => mayWake(c, at, risk));
    if (awake.length > 0) return { to: awake, asleep };
    asleep.push(...reachable);
  }
  // Everyone reachable is asleep: the approval still goes out (it must not wait unseen), to the first of them.
  return { to: asleep.slice(0, 1), asleep: asleep.slice(1) };
}

/** The steps that apply to an approval of `risk`, in order. */
export const stepsFor = (ladder: ReminderLadder | undefined, risk: Risk): ReminderStep[] =>
  (ladder ?? DEFAULT_REMINDER_LADDER).filter((step) => !step.risks || step.risks.includes(risk));

/** What one step does: whom it reminds (already told) and whom it adds (told for the first time). */
export interface StepPlan {
  remind: Candidate[];
  add: Candidate[];
  /** People the step would have reached but passed over for their quiet hours. */
  asleep: Candidate[];
}

/**
 * What step `step` does for an approval already sent to `told`. A reminder or an addition that
 * would wake someone goes instead to the next person awake who was not told yet (rung order);
 * when there is none, to nobody (the people told already have it).
 */
export function planStep(
  step: ReminderStep,
  deciders: readonly Candidate[],
  told: ReadonlySet<string>,
  at: number,
  risk: Risk,
): StepPlan {
  const reachable = byRung(deciders).filter((c) => c.surfaces.length > 0);
  const wanted =
    step.add === "surface"
      ? reachable.filter((c) => told.has(c.id))
      : reachable.filter((c) => !told.has(c.id) && c.role === (step.add === "admins" ? "admin" : "owner"));
  const awake = wanted.filter((c) => mayWake(c, at, risk));
  const asleep = wanted.filter((c) => !mayWake(c, at, risk));
  const plan: StepPlan =
    step.add === "surface" ? { remind: awake, add: [], asleep } : { remind: [], add: awake, asleep };
  if (asleep.length > 0 || wanted.length === 0) {
    const taken = new Set([...plan.add, ...plan.remind].map((c) => c.id));
    const next = reachable.find((c) => !told.has(c.id) && !taken.has(c.id) && mayWake(c, at, risk));
    if (next && (asleep.length > 0 || step.add !== "surface")) plan.add.push(next);
  }
  return plan;
}

/**
 * The surface a reminder takes: one the person was not told on yet, chats first, then push,
 * then mail; when every one was used, a chat (its message edited in place) or push again.
 */
export function reminderSurface(available: readonly Surface[], used: readonly Surface[]): Surface | null {
  const order = (s: Surface) => (isChatSurface(s) ? 0 : s === "push" ? 1 : s === "mail" ? 2 : 3);
  const usable = available.filter((s) => s !== "app").sort((a, b) => order(a) - order(b));
  return usable.find((s) => !used.includes(s)) ?? usable.find((s) => s !== "mail") ?? usable[0] ?? null;
}
