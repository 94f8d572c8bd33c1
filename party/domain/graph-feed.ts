import type { Approval } from "../../shared/protocol/approvals";
import type { DurableEvent, DurableEventName } from "../../shared/protocol/events";
import type { Instance } from "../../shared/protocol/instances";
import type { Job } from "../../shared/protocol/jobs";
import type { Thread } from "../../shared/protocol/threads";
import { currentSeq } from "./eventlog";
import { listInstances } from "./instances";
import type { Sql } from "./sql";
import { listThreads } from "./threads";

export interface GraphFeed {
  epoch: string;
  /** The last seq this feed covers; the Hatchery stores it and asks from there next time. */
  seq: number;
  more: boolean;
  events: DurableEvent[];
  snapshot: { threads: Thread[]; approvals: Approval[]; jobs: Job[]; instances: Instance[] } | null;
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
        approvals: sql.all<{ doc: string }>(`select doc from approvals`).map((r) => JSON.parse(r.doc) as Approval),
        jobs: sql.all<{ doc: string }>(`select doc from jobs`).map((r) => JSON.parse(r.doc) as Job),
        instances: listInstances(sql),
      },
    };
  }
  const rows = sql.all<{ seq: number; event: DurableEventName; payload: string }>(
    `select seq, event, payload from events where seq > ? order by seq limit ?`,
    since,
    limit,
  );
  const events = rows.map((r): DurableEvent => ({ seq: r.seq, event: r.event, payload: JSON.parse(r.payload) }));
  const last = events.at(-1)?.seq ?? since;
  return { epoch: roomEpoch, seq: last, more: last < seq, events, snapshot: null };
}
