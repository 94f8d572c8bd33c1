import { and, desc, eq, inArray, lt, sql as sqlText } from "drizzle-orm";
import type { Approval } from "../../../../../shared/protocol/approvals";
import { type InboxItem, inboxOrder, MAX_INBOX_ITEMS } from "../../../../../shared/protocol/inbox";
import type { Principal } from "../../../../../shared/protocol/principal";
import type { ApprovalPolicy } from "../../../../../shared/protocol/settings";
import type { Message } from "../../../../../shared/protocol/threads";
import { hasScope } from "../../../../../shared/scopes";
import { deciderRefusal } from "../../../../../shared/approval-policy";
import { plainMessage } from "../../../../../shared/plain-words";
import { getSettings } from "../../kernel/settings";
import { pendingApprovals } from "../approvals/index";
import { allSchedules } from "../schedules/index";
import { standingAlerts } from "../billing/index";
import { communityMentionsOf } from "./community-mentions";
import { instancesTable as instances } from "../instances/index";
import { jobsTable as jobs } from "../jobs/index";
import { messageFromRow, messagesTable as messages, threadFromRow, threadsTable as threads } from "../threads/index";
import type { Sql } from "../../../../domain/sql";
import { param, preparedPerRoom } from "../../../../domain/db/client";
import { BoundedMap } from "../../../../domain/bounded-map";
import { readable } from "../../../../records/codec";
import { instanceRecord, jobRecord } from "../../../../records/documents";
import { followedThreads, mentionsOf } from "./store";

// A person's inbox items, derived from the room's state as it is now: an item exists only
// while its cause does (a pending approval they may decide, a message naming them, a
// newer reply in a thread they follow, a failure of their own), so a cause that goes
// takes its item with it, for everyone at once.

export type DerivedItem = Omit<InboxItem, "read">;

/** Followed threads looked at for replies, most recently active first. */
const REPLY_THREADS = 100;
/** Messages of a followed thread looked at for replies newer than the person's own. */
const REPLY_DEPTH = 20;
/** Thread and person pairs whose replies a RepliesMemo keeps. */
const REPLIES_KEPT = 2000;
/** Failed jobs looked at. */
const FAILED_JOBS = 200;

const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/** The mention rule lives in shared/ so the app's composer writes what this reads. */
export { mentions } from "../../../../../shared/mentions";

/**
 * The pending approvals and the policy that says who decides them: the same for everyone,
 * so a refresh of many people's inboxes reads them once.
 */
export interface PendingForInbox {
  approvals: Approval[];
  policy: ApprovalPolicy;
}

export const pendingForInbox = (sql: Sql): PendingForInbox => ({
  approvals: pendingApprovals(sql),
  policy: getSettings(sql).approvals,
});

/**
 * The approvals `person` may decide now: they hold `approve` and the deciding rules
 * under the workspace's policy (shared/approval-policy.ts) let them decide this one — their
 * own requests included while they may confirm them.
 */
function approvalItems(pending: PendingForInbox, person: Principal, now: number): DerivedItem[] {
  if (!hasScope(person.scopes, "approve")) return [];
  const open = (a: Approval) =>
    a.status === "pending" &&
    (a.expiresAt === null || a.expiresAt > now) &&
    deciderRefusal(a, person, pending.policy) === null;
  return pending.approvals.filter(open).map((a) => ({
    key: `approval:${a.id}`,
    kind: "approval",
    at: a.requestedAt,
    title: clip(a.title, 300),
    // What it will do, then who asked and for whom: enough to decide from the inbox or a mail.
    detail: clip(
      `${a.summary && a.summary !== a.title ? `${a.summary} ` : ""}Asked by ${a.requestedBy.name}${a.onBehalfOf && a.onBehalfOf.id !== a.requestedBy.id ? ` for ${a.onBehalfOf.name}` : ""} · ${a.risk} risk.`,
      500,
    ),
    target: { kind: "approval", approvalId: a.id },
  }));
}

function decodeMessages(rows: { n: number; doc: string }[]): Message[] {
  return readable(rows, messageFromRow);
}

/** Messages by id (in batches: a Durable Object's SQLite binds at most 100 parameters). */
function messagesById(sql: Sql, ids: string[]): Message[] {
  const rows: { n: number; doc: string }[] = [];
  for (let i = 0; i < ids.length; i += 90)
    rows.push(
      ...sql.db
        .select({ n: messages.n, doc: messages.doc })
        .from(messages)
        .where(inArray(messages.id, ids.slice(i, i + 90)))
        .all(),
    );
  return decodeMessages(rows);
}

/** "Alice mentioned you", or how many times when her mentions folded (store.ts noteMention). */
const mentionedYou = (author: string, count: number, where = "") =>
  clip(`${author} mentioned you${count > 1 ? ` ${count} times` : ""}${where}`, 300);

/** Messages noted as naming the person (hub.ts): one item per fold, showing its newest message. */
function mentionItems(sql: Sql, person: Principal): DerivedItem[] {
  const noted = mentionsOf(sql, person.id, MAX_INBOX_ITEMS);
  const byId = new Map(
    messagesById(
      sql,
      noted.map((m) => m.lastMessageId),
    ).map((m) => [m.id, m]),
  );
  return noted.flatMap(({ messageId, lastMessageId, count }): DerivedItem[] => {
    const m = byId.get(lastMessageId);
    if (!m || m.author.id === person.id) return [];
    return [
      {
        key: `mention:${messageId}`,
        kind: "mention",
        at: m.createdAt,
        title: mentionedYou(m.author.name, count),
        detail: clip(m.text, 500),
        target: { kind: "thread", threadId: m.threadId, messageId: m.id },
      },
    ];
  });
}

/** Posts of the workspace's community that name the person (features/community/ notes them), folded as messages are. */
function communityMentionItems(sql: Sql, person: Principal): DerivedItem[] {
  return communityMentionsOf(sql, person.id, MAX_INBOX_ITEMS)
    .filter((m) => m.authorId !== person.id)
    .map((m) => ({
      key: `community:${m.eventId}`,
      kind: "mention",
      at: m.at,
      title: mentionedYou(m.author, m.count, " in the community"),
      detail: clip(m.text, 500),
      target: { kind: "community", eventId: m.lastEventId ?? m.eventId },
    }));
}

/**
 * The replies in a thread since a person's own newest message, as an item shows them. Messages
 * are only ever appended, so this holds for as long as the thread's newest message is the
 * one it was read at (`at`, a message id: an id is never given twice, unlike a position
 * a rolled-back append had taken).
 */
interface Replies {
  at: string;
  count: number;
  newest: { id: string; createdAt: number } | null;
  detail: string;
}

/**
 * The Replies last read per thread and person (keyed `threadId\npersonId`): an inbox is derived
 * again after every commit that touches it, and without this each derivation read every
 * followed thread's newest messages although only the threads written to since have changed.
 */
export type RepliesMemo = BoundedMap<string, Replies>;
export const repliesMemo = (): RepliesMemo => new BoundedMap(REPLIES_KEPT);

/** The threads a person follows, as store.ts `followedThreads` reads them. */
type Follows = ReturnType<typeof followedThreads>;

// Every derivation reads the followed threads with each one's newest message id (the index on
// thread and n finds it), what a kept Replies is checked against: prepared once per room, the
// ids as one JSON parameter (a statement binds at most 100 values, a person follows more).
const followedRows = preparedPerRoom((db) => {
  const newestMessage = sqlText<string | null>`${db
    .select({ id: messages.id })
    .from(messages)
    .where(eq(messages.threadId, threads.id))
    .orderBy(desc(messages.n))
    .limit(1)}`;
  return db
    .select({ id: threads.id, doc: threads.doc, newest: newestMessage })
    .from(threads)
    .where(and(sqlText`${threads.id} in (select value from json_each(${param("ids")}))`, eq(threads.archived, 0)))
    .prepare();
});

/** Per followed thread: the replies since the person last wrote there, as one item keyed by the newest. */
function replyItems(
  sql: Sql,
  person: Principal,
  mentioned: Set<string>,
  memo: RepliesMemo | undefined,
  follows: Follows,
): DerivedItem[] {
  if (follows.length === 0) return [];
  const wrote = new Map(follows.map((f) => [f.threadId, f.wroteAt ?? 0]));
  const rows = followedRows(sql.db).all({ ids: JSON.stringify(follows.map((f) => f.threadId)) });
  // Only threads with something newer than the person's own last message are read further.
  // Decoded once while a thread's stored text stays the same (the threads feature keeps them).
  const active = readable(rows, (r) => ({ thread: threadFromRow(sql, r.id, r.doc), newest: r.newest }))
    .filter(({ thread: t }) => t.lastMessageAt !== null && t.lastMessageAt > (wrote.get(t.id) ?? 0))
    .sort((a, b) => (b.thread.lastMessageAt ?? 0) - (a.thread.lastMessageAt ?? 0))
    .slice(0, REPLY_THREADS);
  const items: DerivedItem[] = [];
  for (const { thread, newest: at } of active) {
    if (at === null) continue;
    const replies = repliesTo(sql, thread.id, person.id, at, memo);
    const newest = replies.newest;
    if (!newest || mentioned.has(newest.id)) continue;
    const count = replies.count;
    items.push({
      key: `reply:${newest.id}`,
      kind: "reply",
      at: newest.createdAt,
      title: clip(
        `${count === 1 ? "A reply" : `${count}${count === REPLY_DEPTH ? "+" : ""} replies`} in “${thread.title}”`,
        300,
      ),
      detail: replies.detail,
      target: { kind: "thread", threadId: thread.id, messageId: newest.id },
    });
  }
  return items;
}

/** The thread's Replies for the person as of its newest message `at`: from the memo while `at` is still the newest. */
function repliesTo(sql: Sql, threadId: string, personId: string, at: string, memo: RepliesMemo | undefined): Replies {
  const key = `${threadId}\n${personId}`;
  const kept = memo?.get(key);
  if (kept?.at === at) return kept;
  const since = repliesSince(sql, threadId, personId);
  const newest = since[0];
  const who = [...new Set(since.map((m) => m.author.name))].join(", ");
  const replies: Replies = {
    at,
    count: since.length,
    newest: newest ? { id: newest.id, createdAt: newest.createdAt } : null,
    detail: newest ? clip(`${who}: ${newest.text}`, 500) : "",
  };
  memo?.set(key, replies);
  return replies;
}

// A derivation reads the newest messages of each followed thread that has newer ones: built once per room.
const newest = preparedPerRoom((db) =>
  db
    .select({ n: messages.n, doc: messages.doc })
    .from(messages)
    .where(eq(messages.threadId, param("threadId")))
    .orderBy(desc(messages.n))
    .limit(REPLY_DEPTH)
    .prepare(),
);

/** A thread's messages by others after the person's own newest, newest first (tool calls left out), decoded only as far as needed. */
function repliesSince(sql: Sql, threadId: string, personId: string): Message[] {
  const rows = newest(sql.db).all({ threadId });
  const since: Message[] = [];
  for (const row of rows) {
    const [m] = decodeMessages([row]);
    if (!m) continue;
    if (m.author.id === personId) break;
    if (m.kind !== "tool") since.push(m);
  }
  return since;
}

// Asked of every person's message: prepared once per room.
const settling = preparedPerRoom((db) => ({
  before: db
    .select({ n: messages.n, doc: messages.doc })
    .from(messages)
    .where(and(eq(messages.threadId, param("threadId")), lt(messages.n, param("n"))))
    .orderBy(desc(messages.n))
    .limit(1)
    .prepare(),
}));

/**
 * Whether a person's message `n` in a thread may have settled a reply item of theirs: the
 * thread's message before it is someone else's (a reply since their own, or a tool call
 * before one). When it is their own or there is none, they had no replies there to settle.
 */
export function settlesReplies(sql: Sql, threadId: string, personId: string, n: number): boolean {
  const row = settling(sql.db).before.get({ threadId, n });
  if (!row) return false;
  const [before] = decodeMessages([row]);
  return before?.author.id !== personId;
}

// Read by every derivation: prepared once per room.
const failures = preparedPerRoom((db) => ({
  jobs: db
    .select({ doc: jobs.doc })
    .from(jobs)
    .where(eq(jobs.status, "failed"))
    .orderBy(desc(jobs.updatedAt))
    .limit(FAILED_JOBS)
    .prepare(),
  instances: db.select({ doc: instances.doc }).from(instances).where(eq(instances.status, "error")).prepare(),
}));

/** Jobs the person started that failed, instances they created that are in error, and their schedules whose last run failed. */
function failureItems(sql: Sql, person: Principal): DerivedItem[] {
  const failedJobs = readable(failures(sql.db).jobs.all(), (r) => jobRecord.decode(r.doc)).filter(
    (job) => job.owner.id === person.id,
  );
  const broken = readable(failures(sql.db).instances.all(), (r) => instanceRecord.decode(r.doc)).filter(
    (instance) => instance.createdBy.id === person.id,
  );
  const failedSchedules = allSchedules(sql).filter(
    (schedule) => schedule.createdBy.id === person.id && schedule.lastRun?.status === "failed",
  );
  return [
    ...failedJobs.map(
      (job): DerivedItem => ({
        key: `failure:job:${job.id}`,
        kind: "failure",
        at: job.finishedAt ?? job.updatedAt,
        title: clip(`Job failed: ${job.title}`, 300),
        detail: clip(job.error ?? "", 500),
        target: { kind: "job", jobId: job.id },
      }),
    ),
    ...broken.map(
      (instance): DerivedItem => ({
        key: `failure:instance:${instance.id}:${instance.updatedAt}`,
        kind: "failure",
        at: instance.updatedAt,
        title: clip(`Instance ${instance.name} failed`, 300),
        // In words: an error stored before the text table may still carry milliseconds and a code.
        detail: clip(plainMessage(instance.error ?? instance.phase), 500),
        target: { kind: "instance", instanceId: instance.id },
      }),
    ),
    ...failedSchedules.map((schedule): DerivedItem => {
      const run = schedule.lastRun!;
      return {
        key: `failure:schedule:${schedule.id}:${run.at}`,
        kind: "failure",
        at: run.finishedAt ?? run.at,
        title: clip(`Schedule failed: ${schedule.name}`, 300),
        detail: clip(plainMessage(run.outcome ?? ""), 500),
        target: { kind: "schedule", scheduleId: schedule.id },
      };
    }),
  ];
}

/** For owners and admins: the workspace's money past an alert's threshold (billing's alerts.ts), while it stays there. */
function billingItems(sql: Sql, person: Principal, now: number): DerivedItem[] {
  if (!hasScope(person.scopes, "admin")) return [];
  return standingAlerts(sql, now).map(
    (alert): DerivedItem => ({
      key: alert.key,
      kind: "billing",
      at: alert.at,
      title: clip(alert.title, 300),
      detail: clip(alert.detail, 500),
      target: { kind: "billing" },
    }),
  );
}

/** A person's items, newest first, at most MAX_INBOX_ITEMS. Agents have none. `memo`: see RepliesMemo; `follows`: their followed threads, when already read. */
export function deriveItems(
  sql: Sql,
  person: Principal,
  now: number,
  pending?: PendingForInbox,
  memo?: RepliesMemo,
  follows?: Follows,
): DerivedItem[] {
  if (person.kind !== "user") return [];
  const mentioned = mentionItems(sql, person);
  const ids = new Set(mentioned.map((item) => (item.target.kind === "thread" ? (item.target.messageId ?? "") : "")));
  const items = [
    ...approvalItems(pending ?? pendingForInbox(sql), person, now),
    ...mentioned,
    ...communityMentionItems(sql, person),
    ...replyItems(sql, person, ids, memo, follows ?? followedThreads(sql, person.id)),
    ...failureItems(sql, person),
    ...billingItems(sql, person, now),
  ];
  return items.sort(inboxOrder).slice(0, MAX_INBOX_ITEMS);
}
