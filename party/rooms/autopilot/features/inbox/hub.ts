import type { ClientSocket } from "../../../shared/connection-state";
import type { WrittenPayload } from "../../../../../shared/protocol/events";
import type { PresenceEntry } from "../../../../../shared/protocol/presence";
import type { Principal } from "../../../../../shared/protocol/principal";
import type { OpEffects } from "../../kernel/commit";
import type { Sql } from "../../../../domain/sql";
import { currentSeq } from "../../kernel/commit";
import { isPerson } from "../../../../auth/current-access";
import { eventFrame, takesWritten } from "../../../shared/socket-fanout";
import { mentions, type PendingForInbox, pendingForInbox, repliesMemo, settlesReplies } from "./derive";
import type { Inbox } from "../../../../../shared/protocol/inbox";
import {
  changeSince,
  digestOf,
  forgetSent,
  MAX_SENT_SOCKETS,
  readSent,
  type Sent,
  type SentDigest,
  sameDigest,
  writeSent,
} from "./sent";
import { hasSubscriptions } from "./push-store";
import { followByWriting, followers, knownNames, markPushed, noteMention, notePerson } from "./store";
import { inboxOf } from "./view";
import { BoundedMap } from "../../../../domain/bounded-map";

/** How long the inboxes a burst of commits touches gather before they are derived and sent once. */
export const INBOX_COALESCE_MS = 250;

/**
 * How long the inbox derived for one greeting may greet the same person's next sockets.
 * A reconnect storm brings a person's tabs back together, and deriving the inbox is most
 * of what a greeting costs.
 */
export const GREETING_REUSE_MS = 1000;

/** Threads whose followers the hub keeps in memory (the busiest lately). */
const FOLLOWERS_KEPT = 1000;

/** An inbox frame derived for a greeting, and what it was derived from. */
interface Greeting {
  /** The principal as the socket holds it (scopes and role decide the items). */
  principal: string;
  /** The log's seq: every change to what the items derive from commits an event. */
  seq: number;
  /** Reused until then: GREETING_REUSE_MS, or sooner when a pending approval expires. */
  until: number;
  text: string;
  /** The inbox's digest (sent.ts), made when a socket it greets may be held (#greeted). */
  digest: SentDigest | null;
}

export interface InboxHubDeps {
  sql: Sql;
  /** Who is connected (the room's presence index: kept in memory, cheap). */
  present(): PresenceEntry[];
  /** A person's open sockets, each with the principal it holds now (a role change re-scopes it). */
  socketsOf(principalId: string): { conn: ClientSocket; principal: Principal }[];
  /**
   * Whether a socket is connected, and how many a person has, from the room's memory: a greeting
   * asks of the few sockets its person was last sent an inbox and never lists the person's every
   * socket (in a storm of one person's tabs that list was O(N) per greeting).
   */
  connected(connectionId: string): boolean;
  connectedOf(principalId: string): number;
  /** To one socket, in order with its other frames (kernel/fanout.ts ReplayPump). */
  send(conn: ClientSocket, text: string): void;
  /** Something that may become an item happened: the mail schedule and the push sweep look again. */
  itemsMayHaveChanged(): void;
  /** The room's VAPID public key (null: no Web Push here). */
  pushKey: string | null;
}

/**
 * Keeps every connected person's open tabs on their own inbox (docs/inbox.md): after a
 * commit it works out whose inbox the events may have changed and sends each of them
 * `inbox.updated` — to that person's sockets only, never as a broadcast — when it did.
 */
export class InboxHub {
  /** The frame each connected person was last sent, so an unchanged inbox is not sent again. */
  readonly #sent = new Map<string, string>();
  /**
   * Per person, a digest of the inbox last sent to their sockets and the sockets that were sent
   * it: those that asked for `inbox.changes` get only what changed from it. A socket greeted
   * since is not one of them, and gets the whole inbox next. Kept in storage too (sent.ts), read
   * once per wake: the sockets outlive the object's memory (null: none kept).
   */
  readonly #held = new Map<string, Sent | null>();
  /** People whose inbox the commits of the current window touched, and whether mail may be due. */
  readonly #touched = new Set<string>();
  #mayMail = false;
  #timer: ReturnType<typeof setTimeout> | null = null;
  /** The names of everyone the room knows (read once per wake and after a person is noted). */
  #names: { principalId: string; name: string }[] | null = null;
  /** The inbox each person was last greeted with (see GREETING_REUSE_MS). */
  readonly #greetings = new Map<string, Greeting>();
  /** The name and origin each person was noted with in this wake: a reconnect that changes neither writes nothing. */
  readonly #noted = new Map<string, string>();
  /**
   * Each thread's followers as last read, for the commits after it. Follows change only by
   * writing (afterCommit, below) and by `inbox.follow`, which refreshes its person: every
   * refresh from outside forgets them all.
   */
  readonly #followers = new BoundedMap<string, string[]>(FOLLOWERS_KEPT);
  /** The replies each followed thread holds for each person, as last read (derive.ts RepliesMemo). */
  readonly #replies = repliesMemo();

  constructor(private readonly d: InboxHubDeps) {}

  /**
   * A socket opened: remember the person (their mail goes to `origin`) and send them their
   * inbox. The person's other sockets greeted within GREETING_REUSE_MS get the same frame
   * while nothing it was derived from changed: no event was committed (the seq), no inbox
   * method changed it (they refresh the person, which forgets it), the principal is the same
   * and no pending approval expired. Anything else that changes an inbox outside those
   * paths reaches the person's open tabs no sooner either.
   */
  greet(conn: ClientSocket, principal: Principal, origin: string, now: number): void {
    if (!isPerson(principal)) return;
    const noted = `${principal.name}\n${origin}`;
    if (this.#noted.get(principal.id) !== noted) {
      notePerson(this.d.sql, principal.id, principal.name, origin, now);
      this.#noted.set(principal.id, noted);
      this.#names = null;
    }
    const key = JSON.stringify(principal);
    const seq = currentSeq(this.d.sql);
    const kept = this.#greetings.get(principal.id);
    if (kept && kept.principal === key && kept.seq === seq && now < kept.until) {
      this.d.send(conn, kept.text);
      this.#greeted(conn, principal.id, kept, now);
      return;
    }
    const pending = pendingForInbox(this.d.sql);
    const inbox = inboxOf(this.d.sql, principal, now, this.d.pushKey, pending, this.#replies);
    const text = eventFrame("inbox.updated", { inbox });
    // Recorded as sent only when it is their one open socket (#greeted): the others may not have this version yet.
    this.d.send(conn, text);
    this.#shownLive(principal.id, inbox, now);
    let until = now + GREETING_REUSE_MS;
    for (const approval of pending.approvals)
      if (approval.expiresAt !== null && approval.expiresAt > now) until = Math.min(until, approval.expiresAt);
    for (const [id, greeting] of this.#greetings) if (greeting.until <= now) this.#greetings.delete(id);
    const greeting: Greeting = { principal: key, seq, until, text, digest: null };
    this.#greetings.set(principal.id, greeting);
    this.#greeted(conn, principal.id, greeting, now, inbox);
  }

  /**
   * A socket greeted holds the greeting's inbox: it counts among those held (so its first update
   * is a change too) when that is the inbox the person's other sockets were last sent, or when
   * none of those is open any more (a tab reconnecting, or opened alone). Otherwise its next
   * update is whole: the hub keeps one inbox per person.
   */
  #greeted(conn: ClientSocket, principalId: string, greeting: Greeting, now: number, inbox?: Inbox): void {
    if (!takesWritten(conn)) return;
    const held = this.#heldBy(principalId);
    const others = held ? [...held.sockets].filter((id) => id !== conn.id && this.d.connected(id)) : [];
    greeting.digest ??= digestOf(inbox ?? (JSON.parse(greeting.text) as { payload: { inbox: Inbox } }).payload.inbox);
    const same = held !== null && sameDigest(held.digest, greeting.digest);
    if (others.length > 0 && !same) return;
    // Past the sockets kept per person this one gets the whole inbox next, as a new one does.
    if (others.length >= MAX_SENT_SOCKETS) return;
    const kept = { digest: greeting.digest, sockets: new Set([...others, conn.id]) };
    this.#held.set(principalId, kept);
    // Their only open socket holds this inbox: an unchanged one is not sent again.
    if (this.d.connectedOf(principalId) <= (this.d.connected(conn.id) ? 1 : 0))
      this.#sent.set(principalId, greeting.text);
    writeSent(this.d.sql, principalId, kept, now);
  }

  /** What an open tab showed is not pushed to the person's browsers later (push.ts). */
  #shownLive(principalId: string, inbox: Inbox, now: number): void {
    if (!hasSubscriptions(this.d.sql, principalId)) return;
    const keys = inbox.items.map((item) => item.key);
    markPushed(this.d.sql, principalId, keys, keys, now);
  }

  /** Sends the current inbox to each of these people's sockets, where it changed (an inbox method changed it, or access did). */
  refresh(principalIds: Iterable<string>, now = Date.now()): void {
    this.#followers.clear();
    this.#refresh(principalIds, now);
  }

  #refresh(principalIds: Iterable<string>, now = Date.now()): void {
    // Read once for the whole refresh, and only if someone connected is refreshed.
    let pending: PendingForInbox | undefined;
    for (const id of new Set(principalIds)) {
      // Their inbox may have changed without an event (an inbox method): greet afresh.
      this.#greetings.delete(id);
      const sockets = this.d.socketsOf(id);
      const first = sockets[0];
      if (!first || !isPerson(first.principal)) {
        this.#sent.delete(id);
        if (this.#held.get(id) !== null) forgetSent(this.d.sql, id);
        this.#held.set(id, null);
        continue;
      }
      pending ??= pendingForInbox(this.d.sql);
      const inbox = inboxOf(this.d.sql, first.principal, now, this.d.pushKey, pending, this.#replies);
      const text = eventFrame("inbox.updated", { inbox });
      if (this.#sent.get(id) === text) continue;
      this.#sent.set(id, text);
      const held = this.#heldBy(id);
      const digest = digestOf(inbox);
      const change = held ? changeSince(held.digest, inbox, digest) : null;
      const less = change ? eventFrame("inbox.updated", { inbox: change }) : null;
      // The very inbox its sockets hold (the room woke and forgot only the frame it sent); with
      // no change but a different digest (followed threads in another order), the whole again.
      const unchanged = held !== null && change === null && sameDigest(held.digest, digest);
      let sent = false;
      for (const { conn } of sockets) {
        const holds = held?.sockets.has(conn.id) === true;
        if (holds && unchanged) continue;
        this.d.send(conn, less !== null && holds && takesWritten(conn) ? less : text);
        sent = true;
      }
      if (!sent) continue;
      const kept = { digest, sockets: new Set(sockets.map(({ conn }) => conn.id)) };
      this.#held.set(id, kept);
      writeSent(this.d.sql, id, kept, now);
      this.#shownLive(id, inbox, now);
    }
  }

  /** What the person's sockets were last sent: in memory, or once per wake from storage. */
  #heldBy(principalId: string): Sent | null {
    const known = this.#held.get(principalId);
    if (known !== undefined) return known;
    const read = readSent(this.d.sql, principalId);
    this.#held.set(principalId, read);
    return read;
  }

  /** Everyone connected (access changed: who may decide what may have too). */
  refreshEveryone(): void {
    this.refresh(this.#people().map((p) => p.principalId));
  }

  /**
   * After a commit: follows by writing at once, then notes whose inbox the events touch.
   * Those are derived and sent after INBOX_COALESCE_MS, once for the whole window: a
   * thread busy with replies costs its followers one update per window, not one per
   * message. (The timer is in memory: an eviction inside a window loses only that
   * window's updates; a socket that comes back gets its inbox in its greeting.)
   */
  afterCommit(effects: OpEffects): void {
    if (effects.events.length === 0) return;
    const touched = this.#touched;
    let mayMail = false;
    let people: PresenceEntry[] | null = null;
    const present = () => (people ??= this.#people());
    const names = () => (this.#names ??= knownNames(this.d.sql));
    for (const e of effects.events) {
      switch (e.event) {
        case "approval.requested":
        case "approval.updated":
        case "approval.resolved":
        // The two-person rule changes who may decide every pending approval.
        case "settings.changed":
          mayMail = true;
          for (const p of present()) touched.add(p.principalId);
          break;
        case "thread.created": {
          const { createdBy, id } = e.payload.thread;
          if (isPerson(createdBy)) followByWriting(this.d.sql, createdBy.id, id, e.payload.thread.createdAt);
          this.#followers.delete(id);
          break;
        }
        case "message.created": {
          // The room writes its messages whole (a folded one is only sent live, steps.folded).
          const { id, author, threadId, text, createdAt, n } = e.payload
            .message as WrittenPayload<"message.created">["message"];
          if (isPerson(author)) {
            const followed = followByWriting(this.d.sql, author.id, threadId, createdAt);
            // Writing follows unless they unfollowed it before: read again unless they are known to follow.
            if (!this.#followers.get(threadId)?.includes(author.id)) this.#followers.delete(threadId);
            // One's own message is no item of one's own: it changes the author's inbox only by
            // the follow it made or the replies there it settles. Otherwise the inbox is not
            // derived again for it (a reply's turn would derive the asker's twice).
            if (followed || settlesReplies(this.d.sql, threadId, author.id, n)) touched.add(author.id);
          }
          // A message is an item (a reply, a mention) only for someone other than its author:
          // mail and push look again only when it reached someone.
          for (const follower of this.#followersOf(threadId)) {
            if (follower === author.id) continue;
            touched.add(follower);
            mayMail = true;
          }
          for (const p of names())
            if (p.principalId !== author.id && mentions(text, p.name)) {
              noteMention(this.d.sql, p.principalId, author.id, id, createdAt);
              touched.add(p.principalId);
              mayMail = true;
            }
          break;
        }
        case "job.finished":
          mayMail ||= e.payload.job.status === "failed";
          touched.add(e.payload.job.owner.id);
          break;
        case "instance.updated":
          mayMail ||= e.payload.instance.status === "error";
          touched.add(e.payload.instance.createdBy.id);
          break;
        // Whoever made it may have had an item for it (its last run failed).
        case "schedule.deleted":
          for (const p of present()) touched.add(p.principalId);
          break;
        case "schedule.changed":
          mayMail ||= e.payload.schedule.lastRun?.status === "failed";
          touched.add(e.payload.schedule.createdBy.id);
          break;
        default:
          break;
      }
    }
    this.#mayMail ||= mayMail;
    if ((touched.size > 0 || this.#mayMail) && this.#timer === null)
      this.#timer = setTimeout(() => this.flush(), INBOX_COALESCE_MS);
  }

  /** Sends what the window gathered now. */
  flush(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    const touched = [...this.#touched];
    const mayMail = this.#mayMail;
    this.#touched.clear();
    this.#mayMail = false;
    if (touched.length > 0) this.#refresh(touched);
    if (mayMail) this.d.itemsMayHaveChanged();
  }

  #followersOf(threadId: string): string[] {
    const known = this.#followers.get(threadId);
    if (known) return known;
    const read = followers(this.d.sql, threadId);
    this.#followers.set(threadId, read);
    return read;
  }

  /** Connected people, one entry each. */
  #people(): PresenceEntry[] {
    const byId = new Map<string, PresenceEntry>();
    for (const entry of this.d.present())
      if (entry.kind === "user" && !byId.has(entry.principalId)) byId.set(entry.principalId, entry);
    return [...byId.values()];
  }
}

/** A person whose account D1 answers for (not the Autopilot, a gateway or an agent key). */
