import type { Approval } from "../../../../../shared/protocol/approvals";
import type { DurableEvent } from "../../../../../shared/protocol/events";
import type { Instance } from "../../../../../shared/protocol/instances";
import type { Job } from "../../../../../shared/protocol/jobs";
import type { Project } from "../../../../../shared/protocol/projects";
import type { Message, Thread } from "../../../../../shared/protocol/threads";
import { TOOL_CALLS_PER_THREAD } from "../../../../../shared/hatchery/activity";
import { THREAD_PREVIEW_CHARS } from "../../../../../shared/hatchery/domain";
import { currentSeq, readEventPage } from "../../kernel/commit";
import { asc, eq, gt, inArray, lte, min, sql as q } from "drizzle-orm";
import type { AnySQLiteColumn, SQLiteTable } from "drizzle-orm/sqlite-core";
import { agentRunsTable as agentRuns, agentToolCallsTable as agentToolCalls } from "../agent/index";
import { approvalsTable as approvals } from "../approvals/index";
import { events } from "../../kernel/tables";
import { instancesTable as instances } from "../instances/index";
import { jobsTable as jobs } from "../jobs/index";
import { messageFromRow, messagesTable as messageRows, threadsTable as threads } from "../threads/index";
import { projectsTable as projects } from "../projects/index";
import type { Sql } from "../../../../domain/sql";
import { readable } from "../../../../records/codec";
import { approvalRecord, instanceRecord, jobRecord, projectRecord, threadRecord } from "../../../../records/documents";
import type { InstanceSessions } from "../../../../../shared/protocol/gateway";
import { hash53, newestSessions } from "../../../../../shared/hatchery/session-nodes";
import { allSessions } from "../instances/index";

export interface GraphFeed {
  epoch: string;
  /** The last seq this feed covers; the Hatchery stores it and asks from there next time. */
  seq: number;
  more: boolean;
  events: DurableEvent[];
  snapshot: {
    threads: Thread[];
    approvals: Approval[];
    jobs: Job[];
    instances: Instance[];
    /** Projects, archived ones too (their frames go). */
    projects: Project[];
    toolMessages: Message[];
    /** The newest message of each thread in `threads`, its text cut to what a node shows. */
    lastMessages: Message[];
  } | null;
  /**
   * A snapshot goes out in pages: where the next page continues (the Hatchery passes it
   * back), null once it is complete. Events resume from `seq` after the last page.
   */
  snapshotCursor: string | null;
  /**
   * The gateway sessions (not durable events), whole, when their digest differs from the
   * one the Hatchery passed; only on a page that catches up (`more` false), so the
   * instances and threads they link to are on the canvas first. Null: unchanged.
   */
  sessions: CanvasSessions | null;
}

/**
 * One feed page, bounded like a client's resume: at most `limit` events or
 * GRAPH_FEED_PAGE_BYTES of them, and a snapshot in pages of about as many bytes. (A
 * snapshot in one RPC reply grew with the workspace without bound.)
 */
export const GRAPH_FEED_PAGE_BYTES = 512 * 1024;
const SNAPSHOT_PAGE_ROWS = 500;

type DocTable = {
  table: SQLiteTable;
  id: AnySQLiteColumn<{ data: string; notNull: true }>;
  doc: AnySQLiteColumn<{ data: string; notNull: true }>;
};
const docTable = (table: DocTable["table"] & Pick<DocTable, "id" | "doc">): DocTable => ({
  table,
  id: table.id,
  doc: table.doc,
});

const TABLES = [
  { kind: "threads", ...docTable(threads), decode: (doc: string) => threadRecord.decode(doc) },
  { kind: "approvals", ...docTable(approvals), decode: (doc: string) => approvalRecord.decode(doc) },
  { kind: "jobs", ...docTable(jobs), decode: (doc: string) => jobRecord.decode(doc) },
  { kind: "instances", ...docTable(instances), decode: (doc: string) => instanceRecord.decode(doc) },
  // After the threads: a project's frame gathers the thread nodes already on the canvas.
  { kind: "projects", ...docTable(projects), decode: (doc: string) => projectRecord.decode(doc) },
] as const;
/** The step after the tables: the newest tool messages per thread, paged by thread id. */
const TOOL_STEP = TABLES.length;

type SnapshotPage = NonNullable<GraphFeed["snapshot"]>;

/** A snapshot cursor: the step (table index, then TOOL_STEP) and the last id sent from it. */
function parseCursor(cursor: string | null): { step: number; after: string } {
  const match = cursor ? /^(\d+):(.*)$/s.exec(cursor) : null;
  return match ? { step: Math.min(Number(match[1]), TOOL_STEP), after: match[2]! } : { step: 0, after: "" };
}

/** The next snapshot page from `cursor`: rows by id, table after table, until the byte budget is spent. */
export function snapshotPage(
  sql: Sql,
  cursor: string | null,
  maxBytes = GRAPH_FEED_PAGE_BYTES,
): { page: SnapshotPage; next: string | null } {
  const page: SnapshotPage = {
    threads: [],
    approvals: [],
    jobs: [],
    instances: [],
    projects: [],
    toolMessages: [],
    lastMessages: [],
  };
  let { step, after } = parseCursor(cursor);
  let bytes = 0;
  while (step < TABLES.length) {
    const t = TABLES[step]!;
    const rows = sql.db
      .select({ id: t.id, doc: t.doc })
      .from(t.table)
      .where(gt(t.id, after))
      .orderBy(asc(t.id))
      .limit(SNAPSHOT_PAGE_ROWS)
      .all();
    // A thread comes with its newest message (its node's preview), counted with it.
    const threadIds = t.kind === "threads" ? rows.map((r) => r.id) : null;
    const newest = threadIds && newestMessages(sql, threadIds);
    const rowBytes = (r: { id: string; doc: string }) => r.doc.length + (newest?.get(r.id)?.bytes ?? 0);
    let taken = 0;
    // At least one row per page, however big, so the snapshot always moves on.
    while (taken < rows.length && (bytes === 0 || bytes + rowBytes(rows[taken]!) <= maxBytes))
      bytes += rowBytes(rows[taken++]!);
    const kept = rows.slice(0, taken);
    (page[t.kind] as unknown[]).push(...readable(kept, (r) => t.decode(r.doc)));
    for (const r of kept) {
      const preview = newest?.get(r.id);
      if (preview) page.lastMessages.push(preview.message);
    }
    if (taken < rows.length || (rows.length === SNAPSHOT_PAGE_ROWS && taken === rows.length)) {
      return { page, next: `${step}:${kept.at(-1)?.id ?? after}` };
    }
    step++;
    after = "";
  }
  const tools = toolMessagePage(sql, after, bytes === 0 ? maxBytes : Math.max(0, maxBytes - bytes), bytes === 0);
  page.toolMessages = tools.messages;
  return { page, next: tools.lastThread === null ? null : `${TOOL_STEP}:${tools.lastThread}` };
}

/**
 * The newest message of each of these threads (by the threads' index, one lookup each), its
 * text cut to what a thread's node shows, with the bytes it adds to a page.
 */
function newestMessages(sql: Sql, threadIds: string[]): Map<string, { message: Message; bytes: number }> {
  const out = new Map<string, { message: Message; bytes: number }>();
  if (threadIds.length === 0) return out;
  const rows = sql.db
    .select({ n: messageRows.n, doc: messageRows.doc })
    .from(messageRows)
    .where(
      inArray(
        messageRows.n,
        q`(select (select max(${messageRows.n}) from ${messageRows} where ${messageRows.threadId} = "value") from json_each(${JSON.stringify(threadIds)}))`,
      ),
    )
    .all();
  for (const message of readable(rows, messageFromRow)) {
    const cut = { ...message, text: message.text.slice(0, THREAD_PREVIEW_CHARS) };
    out.set(message.threadId, { message: cut, bytes: JSON.stringify(cut).length });
  }
  return out;
}

/**
 * The newest Autopilot tool messages (as many as the canvas shows) of the threads after
 * `afterThread`, whole threads at a time within `maxBytes` (at least one thread when
 * `mustMove`), found through the run ledger: scanning every message for its kind would read
 * the whole log. `lastThread`: where the next page continues, null when none are left.
 */
function toolMessagePage(
  sql: Sql,
  afterThread: string,
  maxBytes: number,
  mustMove: boolean,
): { messages: Message[]; lastThread: string | null } {
  const ranked = sql.db
    .select({
      threadId: agentRuns.threadId,
      n: messageRows.n,
      doc: messageRows.doc,
      rank: q<number>`row_number() over (partition by ${agentRuns.threadId} order by ${messageRows.n} desc)`.as("rank"),
    })
    .from(agentToolCalls)
    .innerJoin(agentRuns, eq(agentRuns.id, agentToolCalls.runId))
    .innerJoin(messageRows, eq(messageRows.id, agentToolCalls.messageId))
    .where(gt(agentRuns.threadId, afterThread))
    .as("ranked");
  const rows = sql.db
    .select({ thread_id: ranked.threadId, n: ranked.n, doc: ranked.doc })
    .from(ranked)
    .where(lte(ranked.rank, TOOL_CALLS_PER_THREAD))
    .orderBy(asc(ranked.threadId), asc(ranked.n))
    .limit(SNAPSHOT_PAGE_ROWS)
    .all();
  // A full batch may have cut its last thread short: that thread starts the next page.
  const complete = rows.length < SNAPSHOT_PAGE_ROWS;
  const threads: { id: string; rows: typeof rows; bytes: number }[] = [];
  for (const row of rows) {
    const last = threads.at(-1);
    if (last?.id === row.thread_id) {
      last.rows.push(row);
      last.bytes += row.doc.length;
    } else threads.push({ id: row.thread_id, rows: [row], bytes: row.doc.length });
  }
  if (!complete && threads.length > 1) threads.pop();
  const kept: typeof rows = [];
  let bytes = 0;
  let taken = 0;
  while (taken < threads.length && ((mustMove && taken === 0) || bytes + threads[taken]!.bytes <= maxBytes)) {
    bytes += threads[taken]!.bytes;
    kept.push(...threads[taken++]!.rows);
  }
  const messages = readable(kept, messageFromRow);
  const allSent = complete && taken === threads.length;
  // Nothing taken (the tables spent the budget): the next page starts where this one would have.
  return { messages, lastThread: allSent ? null : (threads[taken - 1]?.id ?? afterThread) };
}

/**
 * What the Hatchery pulls: durable events after `since`, or the domain state in pages
 * when `since` is from another epoch than `roomEpoch` or fell out of the log (or while a
 * snapshot is under way: `snapshotCursor`); with the sessions when they changed since
 * `sessionsDigest`.
 */
export function readGraphFeed(
  sql: Sql,
  roomEpoch: string,
  since: number,
  epoch: string | null,
  limit: number,
  snapshotCursor: string | null = null,
  sessionsDigest: string | null = null,
): GraphFeed {
  const feed = readDomainFeed(sql, roomEpoch, since, epoch, limit, snapshotCursor);
  if (feed.more) return { ...feed, sessions: null };
  const sessions = canvasSessions(sql);
  return { ...feed, sessions: sessions.digest === sessionsDigest ? null : sessions };
}

function readDomainFeed(
  sql: Sql,
  roomEpoch: string,
  since: number,
  epoch: string | null,
  limit: number,
  snapshotCursor: string | null,
): Omit<GraphFeed, "sessions"> {
  const seq = currentSeq(sql);
  if (snapshotCursor !== null && epoch === roomEpoch) {
    const { page, next } = snapshotPage(sql, snapshotCursor);
    return {
      epoch: roomEpoch,
      seq: since,
      more: next !== null || since < seq,
      events: [],
      snapshot: page,
      snapshotCursor: next,
    };
  }
  const oldest =
    sql.db
      .select({ seq: min(events.seq) })
      .from(events)
      .get()?.seq ?? seq + 1;
  if (epoch !== roomEpoch || since > seq || since + 1 < oldest) {
    const { page, next } = snapshotPage(sql, null);
    return { epoch: roomEpoch, seq, more: next !== null, events: [], snapshot: page, snapshotCursor: next };
  }
  const page = readEventPage(sql, since, { events: limit, bytes: GRAPH_FEED_PAGE_BYTES });
  // An unreadable event is left out; the feed still moves past it.
  return {
    epoch: roomEpoch,
    seq: page.last,
    more: page.last < seq,
    events: page.events,
    snapshot: null,
    snapshotCursor: null,
  };
}

/** The gateway sessions the canvas shows, and a digest the Hatchery hands back to skip an unchanged list. */
export interface CanvasSessions {
  digest: string;
  instances: InstanceSessions[];
}

/**
 * Every instance's current sessions as the canvas shows them (newest first, capped per
 * instance: session-nodes.ts), each with the thread open as it. Read from the tables the
 * bridge refreshes on every `sessions.changed`, so nothing else has to remember to flag a
 * change: a binding made or undone, or an instance deleted, changes the digest too.
 */
export function canvasSessions(sql: Sql): CanvasSessions {
  const instances = newestSessions(allSessions(sql))
    .filter((i) => i.sessions.length > 0)
    .sort((a, b) => (a.instanceId < b.instanceId ? -1 : a.instanceId > b.instanceId ? 1 : 0));
  const json = JSON.stringify(instances);
  return { digest: `${json.length}.${hash53(json)}`, instances };
}
