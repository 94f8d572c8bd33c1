import type { Approval } from "../../shared/protocol/approvals";
import type { DurableEvent, DurableEventName } from "../../shared/protocol/events";
import type { Instance } from "../../shared/protocol/instances";
import type { Job } from "../../shared/protocol/jobs";
import type { Message, Thread } from "../../shared/protocol/threads";
import { TOOL_NODES_PER_THREAD } from "../../shared/hatchery/tool-nodes";
import { currentSeq } from "./eventlog";
import { listInstances } from "./instances";
import type { Sql } from "./sql";
import { readable } from "../records/codec";
import { approvalRecord, jobRecord, messageRecord } from "../records/documents";
import { decodeStoredEvent } from "../records/events";
import { listThreads } from "./threads";

export interface GraphFeed {
  epoch: string;
  /** The last seq this feed covers; the Hatchery stores it and asks from there next time. */
  seq: number;
  more: boolean;
  events: DurableEvent[];
  snapshot: { threads: Thread[]; approvals: Approval[]; jobs: Job[]; instances: Instance[]; toolMessages: Message[] } | null;
}

/**
 * What the Hatchery pulls: durable events after `since` (at most `limit`), or the whole
 * domain state when `since` is from another epoch than `roomEpoch` or fell out of the log.
 */
export function readGraphFeed(sql: Sql, roomEpoch: string, since: number, epoch: string | null, limit: number): GraphFeed {
  const seq = currentSeq(sql);
  const oldest = sql.one<{ seq: number | null }>(`select min(seq) as seq from events`)?.seq ?? seq + 1;
  if (epoch !== roomEpoch || since > seq || since + 1 < oldest) {
    return {
      epoch: roomEpoch,
      seq,
      more: false,
      events: [],
      snapshot: {
        threads: listThreads(sql, true, 100_000),
        approvals: readable(sql.all<{ doc: string }>(`select doc from approvals`), (r) => approvalRecord.decode(r.doc)),
        jobs: readable(sql.all<{ doc: string }>(`select doc from jobs`), (r) => jobRecord.decode(r.doc)),
        instances: listInstances(sql),
        toolMessages: recentToolMessages(sql),
      },
    };
  }
  const rows = sql.all<{ seq: number; event: DurableEventName; payload: string }>(`select seq, event, payload from events where seq > ? order by seq limit ?`, since, limit);
  // An unreadable event is left out (logged); the feed still moves past it.
  const events = readable(rows, decodeStoredEvent);
  const last = rows.at(-1)?.seq ?? since;
  return { epoch: roomEpoch, seq: last, more: last < seq, events, snapshot: null };
}

/**
 * The newest Autopilot tool messages of each thread (as many as the canvas shows), found
 * through the run ledger: scanning every message for its kind would read the whole log.
 */
function recentToolMessages(sql: Sql): Message[] {
  const rows = sql.all<{ n: number; doc: string }>(
    `select n, doc from (
       select m.n, m.doc, row_number() over (partition by r.thread_id order by m.n desc) as rank
       from agent_tool_calls c join agent_runs r on r.id = c.run_id join messages m on m.id = c.message_id
     ) where rank <= ? order by n`,
    TOOL_NODES_PER_THREAD,
  );
  return readable(rows, (r): Message => ({ ...messageRecord.decode(r.doc), n: r.n }));
}
