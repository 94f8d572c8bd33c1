import { CHAT_PLATFORMS, type ChatPlatformName } from "./protocol/chat-platforms";
import type { ApprovalFigures, ApprovalReach } from "./protocol/approvals";

/**
 * The words of an approval's reach (features/approval-reach/, docs/access.md "Who is told"):
 * where a person was told, whom an approval was sent to, how long it waited. In shared/ so the
 * room writes them and the app and the CLI say "reminded 10 minutes ago" from the same time.
 */

/** Where a person can be told: an open tab, Web Push, mail, or a linked chat. */
export type Surface = "app" | "push" | "mail" | ChatPlatformName;

export const isChatSurface = (surface: Surface): surface is ChatPlatformName => surface in CHAT_PLATFORMS;

export function surfaceWords(surface: Surface): string {
  if (surface === "app") return "in the app";
  if (surface === "push") return "by push";
  if (surface === "mail") return "by mail";
  return `in ${CHAT_PLATFORMS[surface].label}`;
}

/** "a", "a and b", "a, b and c". */
export function listWords(items: readonly string[]): string {
  if (items.length <= 1) return items[0] ?? "";
  return `${items.slice(0, -1).join(", ")} and ${items.at(-1)}`;
}

/** "sent to Ann in Slack and by push; Bob by mail" (nobody: ""). */
export function sentToWords(people: readonly { name: string; surfaces: readonly Surface[] }[]): string {
  const told = people.filter((p) => p.surfaces.length > 0);
  if (told.length === 0) return "";
  return `sent to ${told.map((p) => `${p.name} ${listWords(p.surfaces.map(surfaceWords))}`).join("; ")}`;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** A duration in the largest whole unit: "1 minute", "24 hours", "3 days"; under a minute, "less than a minute". */
export function durationWords(ms: number): string {
  const unit = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
  if (ms < MINUTE) return "less than a minute";
  if (ms < 2 * HOUR) return unit(Math.floor(ms / MINUTE), "minute");
  if (ms < 2 * DAY) return unit(Math.floor(ms / HOUR), "hour");
  return unit(Math.floor(ms / DAY), "day");
}

/** "just now" or "10 minutes ago". */
export const agoWords = (ms: number): string => (ms < MINUTE ? "just now" : `${durationWords(ms)} ago`);

/** How a pending approval stands for its asker now: "waiting for Ann (reminded 10 minutes ago)". */
export function waitingWords(reach: Pick<ApprovalReach, "waiting" | "remindedAt" | "nobody">, now: number): string {
  if (reach.nobody) return reach.nobody;
  if (!reach.waiting) return "";
  return reach.remindedAt === null ? reach.waiting : `${reach.waiting} (reminded ${agoWords(now - reach.remindedAt)})`;
}

/** A duration as a table says it: "under 1 s", "40 s", "3 min", "5 h", "3 d". */
export function shortDuration(ms: number): string {
  if (ms < 1000) return "under 1 s";
  if (ms < MINUTE) return `${Math.floor(ms / 1000)} s`;
  if (ms < 2 * HOUR) return `${Math.floor(ms / MINUTE)} min`;
  if (ms < 2 * DAY) return `${Math.floor(ms / HOUR)} h`;
  return `${Math.floor(ms / DAY)} d`;
}

const spreadShort = (p: ApprovalFigures["toFirstNotice"]) =>
  p.p50Ms === null || p.p95Ms === null ? "none yet" : `p50 ${shortDuration(p.p50Ms)}, p95 ${shortDuration(p.p95Ms)}`;

/**
 * A workspace's approval figures as one line's parts, for operators' /admin: "12 decided",
 * "0 expired with nobody told" (`bad` when not 0: the goal is none), "first notice p50 40 s,
 * p95 3 min", "decided p50 9 min, p95 1 h". No approvals yet: one part that says so.
 */
export function figuresParts(f: ApprovalFigures): { text: string; bad: boolean }[] {
  if (f.since === null) return [{ text: "No approvals yet", bad: false }];
  const parts = [
    `${f.decided} decided`,
    ...(f.pending > 0 ? [`${f.pending} pending`] : []),
    `${f.expiredTold} expired with someone told`,
  ].map((text) => ({ text, bad: false }));
  return [
    ...parts,
    { text: `${f.expiredNobodyTold} expired with nobody told`, bad: f.expiredNobodyTold > 0 },
    { text: `first notice ${spreadShort(f.toFirstNotice)}`, bad: false },
    { text: `decided ${spreadShort(f.toDecision)}`, bad: false },
  ];
}
