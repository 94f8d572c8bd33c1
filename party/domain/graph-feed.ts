import type { Approval } from "../../shared/protocol/approvals";
import type { DurableEvent } from "../../shared/protocol/events";
import type { Instance } from "../../shared/protocol/instances";
import type { Job } from "../../shared/protocol/jobs";
import type { Thread } from "../../shared/protocol/threads";
import { currentSeq, readEventPage } from "./eventlog";
import type { Sql } from "./sql";
import { readable } from "../records/codec";
import { approvalRecord, instanceRecord, jobRecord, threadRecord } from "../records/documents";

export interface GraphFeed {
  epoch: string;
  /** The last seq this feed covers; the Hatchery stores it and asks from there next time. */
  seq: number;
  more: boolean;
  events: DurableEvent[];
  snapshot: { threads: Thread[]; approvals: Approval[]; jobs: Job[]; instances: Instance[] } | null;
  /**
   * A snapshot goes out in pages: where the next page continues (the Hatchery passes it
   * back), null once it is complete. Events resume from `seq` after the last page.
   */
  snapshotCursor: string | null;
}

/**
 * One feed page, bounded like a client's resume: at most `limit` events or
 * GRAPH_FEED_PAGE_BYTES of them, and a snapshot in pages of about as many bytes. (A
 * snapshot in one RPC reply grew with the workspace without bound.)
 */
export const GRAPH_FEED_PAGE_BYTES = 512 * 1024;
const SNAPSHOT_PAGE_ROWS = 500;

const TABLES = [
  { kind: "threads", table: "threads", decode: (doc: string) => threadRecord.decode(doc) },
  { kind: "approvals", table: "approvals", decode: (doc: string) => approvalRecord.decode(doc) },
  { kind: "jobs", table: "jobs", decode: (doc: string) => jobRecord.decode(doc) },
  { kind: "instances", table: "instances", decode: (doc: string) => instanceRecord.decode(doc) },
] as const;

type SnapshotPage = NonNullable<GraphFeed["snapshot"]>;

/** A snapshot cursor: the table index and the last id sent from it. */
function parseCursor(cursor: string | null): { table: number; after: string } {
  const match = cursor ? /^(\d+):(.*)$/s.exec(cursor) : null;
  return match ? { table: Math.min(Number(match[1]), TABLES.length), after: match[2]! } : { table: 0, after: "" };
}

/** The next snapshot page from `cursor`: rows by id, table after table, until the byte budget is spent. */
export function snapshotPage(sql: Sql, cursor: string | null, maxBytes = GRAPH_FEED_PAGE_BYTES): { page: SnapshotPage; next: string | null } {
  const page: SnapshotPage = { threads: [], approvals: [], jobs: [], instances: [] };
  let { table, after } = parseCursor(cursor);
  let bytes = 0;
  while (table < TABLES.length) {
    const t = TABLES[table]!;
    const rows = sql.all<{ id: string; doc: string }>(`select id, doc from ${t.table} where id > ? order by id limit ?`, after, SNAPSHOT_PAGE_ROWS);
    let taken = 0;
    // At least one row per page, however big, so the snapshot always moves on.
    while (taken < rows.length && (bytes === 0 || bytes + rows[taken]!.doc.length <= maxBytes)) bytes += rows[taken++]!.doc.length;
    const kept = rows.slice(0, taken);
    (page[t.kind] as unknown[]).push(...readable(kept, (r) => t.decode(r.doc)));
    if (taken < rows.length || (rows.length === SNAPSHOT_PAGE_ROWS && taken === rows.length)) {
      return { page, next: `${table}:${kept.at(-1)?.id ?? after}` };
    }
    table++;
    after = "";
  }
  return { page, next: null };
}

/**
 * What the Hatchery pulls: durable events after `since`, or the domain state in pages
 * when `since` is from another epoch than `roomEpoch` or fell out of the log (or while a
 * snapshot is under way: `snapshotCursor`).
 */
export function readGraphFeed(sql: Sql, roomEpoch: string, since: number, epoch: string | null, limit: number, snapshotCursor: string | null = null): GraphFeed {
  const seq = currentSeq(sql);
  if (snapshotCursor !== null && epoch === roomEpoch) {
    const { page, next } = snapshotPage(sql, snapshotCursor);
    return { epoch: roomEpoch, seq: since, more: next !== null || since < seq, events: [], snapshot: page, snapshotCursor: next };
  }
  const oldest = sql.one<{ seq: number | null }>(`select min(seq) as seq from events`)?.seq ?? seq + 1;
  if (epoch !== roomEpoch || since > seq || since + 1 < oldest) {
    const { page, next } = snapshotPage(sql, null);
    return { epoch: roomEpoch, seq, more: next !== null, events: [], snapshot: page, snapshotCursor: next };
  }
  const page = readEventPage(sql, since, { events: limit, bytes: GRAPH_FEED_PAGE_BYTES });
  // An unreadable event is left out; the feed still moves past it.
  return { epoch: roomEpoch, seq: page.last, more: page.last < seq, events: page.events, snapshot: null, snapshotCursor: null };
}
