import { eq } from "drizzle-orm";
import { channelsFor, type InboxItem, type InboxPreferences } from "../../../../../shared/protocol/inbox";
import type { Principal } from "../../../../../shared/protocol/principal";
import type { CurrentAccess } from "../../kernel/services";
import { authDb } from "../../../../auth/db/client";
import { baUser } from "../../../../auth/db/better-auth-tables";
import type { Mail } from "../../../../auth/mail";
import type { Sql } from "../../../../domain/sql";
import type { MintedLink } from "../decision-links";
import { type DerivedItem, deriveItems } from "./derive";
import { type InboxPerson, mailedKeys, markMailed, people, readKeys } from "./store";

/** Mails one sweep sends a person at most; the rest go on the next one. */
const MAILS_PER_SWEEP = 5;

export interface InboxMailDeps {
  sql: Sql;
  workspaceId(): string;
  /** The room's scheduler: one wake-up at the next time something has waited long enough. */
  wakeAt(at: number): Promise<unknown>;
  /** A person's access as D1 has it now: mail goes only to people who still have it. */
  currentAccess: CurrentAccess;
  /** A person's address, read from D1 when a mail goes. */
  addressOf(userId: string): Promise<string | null>;
  /** Where the links of someone who last used `stored` lead: a configured origin (party/auth/origin.ts linkOrigin); throws when there is none. */
  linkOrigin(stored: string): string;
  send(mail: Mail): Promise<void>;
  /**
   * For an approval, a link that decides it as `person` (features/decision-links/): its path, and
   * whether it decides without their session (up to the workspace's risk) or only signed in;
   * null for any other item.
   */
  decisionLink(item: Pick<InboxItem, "target">, person: InboxPerson): Promise<MintedLink | null>;
}

export const addressFromD1 = (db: D1Database) => async (userId: string) =>
  (await authDb(db).select({ email: baUser.email }).from(baUser).where(eq(baUser.id, userId)).get())?.email ?? null;

/** Who the item is for, by e-mail, after `emailAfterMs`; null when this person does not want it mailed. */
const dueAt = (item: Pick<InboxItem, "kind" | "at">, prefs: InboxPreferences): number | null =>
  channelsFor(prefs, item.kind).email ? item.at + prefs.emailAfterMs : null;

const wantsMail = (prefs: InboxPreferences) =>
  prefs.approval.email ||
  prefs.mention.email ||
  prefs.reply.email ||
  prefs.failure.email ||
  channelsFor(prefs, "billing").email;

/** A person as a principal that may decide anything: over-inclusive on purpose, for planning only. */
export const widest = (person: InboxPerson): Principal => ({
  id: person.principalId,
  kind: "user",
  name: person.name,
  scopes: ["read", "write", "approve", "admin"],
});

/**
 * E-mail for what waited unread longer than each person's `emailAfterMs` (docs/inbox.md).
 * No polling: whenever something that may become an item happens, the room's scheduler is
 * asked to wake at the earliest time it could be due; a sweep mails what is due and asks
 * for the next wake-up. Each item is mailed once, only to people D1 still says have access,
 * and only while it is still unread and still there (derived again at send time).
 */
export class InboxMail {
  /** The earliest wake-up this object asked for and that has not run yet (unknown after a restart). */
  #scheduled: number | null = null;

  constructor(private readonly d: InboxMailDeps) {}

  /**
   * Something that may become an item happened now: wake when the soonest delay has
   * passed; `immediately` (a person changed their delay): look now.
   */
  soon(now = Date.now(), immediately = false): void {
    if (immediately) return this.#wake(now, now);
    const delays = people(this.d.sql)
      .filter((p) => wantsMail(p.preferences))
      .map((p) => p.preferences.emailAfterMs);
    if (delays.length > 0) this.#wake(now + Math.min(...delays), now);
  }

  #wake(at: number, now: number): void {
    if (this.#scheduled !== null && this.#scheduled > now && this.#scheduled <= at) return;
    this.#scheduled = at;
    void this.d.wakeAt(at).catch((error: unknown) => {
      this.#scheduled = null;
      console.error(
        JSON.stringify({
          msg: "could not schedule inbox mail",
          workspace: this.d.workspaceId(),
          at,
          error: String(error),
        }),
      );
    });
  }

  /** The scheduled callback: mails what is due, then asks for the next wake-up. */
  async run(now = Date.now()): Promise<void> {
    this.#scheduled = null;
    let next: number | null = null;
    for (const person of people(this.d.sql)) {
      if (!wantsMail(person.preferences)) continue;
      const later = await this.#sweep(person, now).catch((error: unknown) => {
        console.error(
          JSON.stringify({
            msg: "inbox mail failed",
            workspace: this.d.workspaceId(),
            principal: person.principalId,
            error: String(error),
          }),
        );
        return null;
      });
      if (later !== null) next = next === null ? later : Math.min(next, later);
    }
    // Scheduled times have one-second granularity and workerd's clock advances only with
    // I/O, so a wake-up can come before what it was set for: look again no sooner than a
    // second later rather than in a tight loop.
    if (next !== null) this.#wake(Math.max(next, now + 1000), now);
  }

  /** Mails `person` what is due; returns when their next item falls due (null: none waiting). */
  async #sweep(person: InboxPerson, now: number): Promise<number | null> {
    const prefs = person.preferences;
    const read = readKeys(this.d.sql, person.principalId);
    const mailed = mailedKeys(this.d.sql, person.principalId);
    const waiting = (items: DerivedItem[]) =>
      items.filter((item) => !read.has(item.key) && !mailed.has(item.key) && dueAt(item, prefs) !== null);
    // Plan with the widest scopes (no D1 read for someone with nothing due), then send with the real ones.
    const planned = waiting(deriveItems(this.d.sql, widest(person), now));
    const nextDue = (items: DerivedItem[]) => items.map((item) => dueAt(item, prefs)!).filter((at) => at > now);
    if (!planned.some((item) => dueAt(item, prefs)! <= now)) return minOf(nextDue(planned));
    const verdict = await this.d.currentAccess(widest(person));
    if (!verdict.ok) return null;
    const address = await this.d.addressOf(person.principalId);
    if (!address) return null;
    const items = deriveItems(this.d.sql, verdict.principal, now);
    const due = waiting(items).filter((item) => dueAt(item, prefs)! <= now);
    const sent: string[] = [];
    const origin = this.d.linkOrigin(person.origin);
    for (const item of due.slice(0, MAILS_PER_SWEEP)) {
      const decide = await this.d.decisionLink(item, person);
      await this.d.send(mailFor(item, address, origin, this.d.workspaceId(), decide));
      sent.push(item.key);
    }
    if (sent.length > 0)
      markMailed(
        this.d.sql,
        person.principalId,
        sent,
        items.map((item) => item.key),
        now,
      );
    const rest = due.length > MAILS_PER_SWEEP ? [now + 1000] : [];
    return minOf([...rest, ...nextDue(waiting(items))]);
  }
}

const minOf = (values: number[]): number | null => (values.length > 0 ? Math.min(...values) : null);

export const WHAT: Record<InboxItem["kind"], string> = {
  approval: "An approval is waiting for you",
  mention: "You were mentioned",
  reply: "New replies in a thread you follow",
  failure: "Something of yours failed",
  billing: "The workspace's money",
};

/** The app at the item: `?w=` opens the workspace, `item=` the item itself (an approval opens in the queue). */
export function itemLink(origin: string, workspaceId: string, item: Pick<InboxItem, "target">): string {
  const url = new URL(origin || "http://localhost");
  url.searchParams.set("w", workspaceId);
  const target = item.target;
  if (target.kind === "approval") url.searchParams.set("approval", target.approvalId);
  else if (target.kind === "thread") url.searchParams.set("thread", target.threadId);
  else if (target.kind === "job") url.searchParams.set("job", target.jobId);
  else if (target.kind === "community") url.searchParams.set("community", target.eventId);
  else if (target.kind === "schedule") url.searchParams.set("schedule", target.scheduleId);
  else if (target.kind === "billing") url.searchParams.set("panel", "billing");
  else url.searchParams.set("instance", target.instanceId);
  return url.toString();
}

export function mailFor(
  item: DerivedItem,
  to: string,
  origin: string,
  workspaceId: string,
  decide: MintedLink | null,
): Mail {
  const link = itemLink(origin, workspaceId, item);
  // A decision link's page changes nothing until one of its buttons is pressed (mail scanners open links).
  const decideUrl = decide ? new URL(decide.path, origin || "http://localhost") : null;
  const decideText = !decideUrl
    ? ""
    : decide?.alone
      ? `\nApprove or deny it here, without signing in (this link works once):\n${decideUrl}\n`
      : `\nApprove or deny it here once you are signed in (its risk is above what a link decides alone):\n${decideUrl}\n`;
  return {
    to,
    subject: `${WHAT[item.kind]}: ${item.title}`.slice(0, 200),
    text: `${item.title}\n${item.detail}\n\nOpen it in Autopilot:\n${link}\n${decideText}`,
    link,
  };
}
