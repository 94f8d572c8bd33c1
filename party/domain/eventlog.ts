import type { DurableEvent, DurableEventName, EventPayload } from "../../shared/protocol/events";
import { getMeta, setMeta } from "./schema";
import type { Sql } from "./sql";
import { readable } from "../records/codec";
import { decodeStoredEvent, encodeEventPayload } from "../records/events";

/** The room's epoch: made once, it tells a client whether its `lastSeq` is from this log. */
export function roomEpoch(sql: Sql): string {
  let epoch = getMeta(sql, "epoch");
  if (!epoch) {
    epoch = crypto.randomUUID();
    setMeta(sql, "epoch", epoch);
  }
  return epoch;
}

export function currentSeq(sql: Sql): number {
  return Number(getMeta(sql, "seq") ?? 0);
}

/** Appends inside the caller's transaction, so the event commits with the change it reports. */
export function appendEvent<E extends DurableEventName>(sql: Sql, event: E, payload: EventPayload<E>, now: number, retain: number): DurableEvent {
  const seq = currentSeq(sql) + 1;
  sql.run(`insert into events (seq, event, payload, at) values (?, ?, ?, ?)`, seq, event, encodeEventPayload(event, payload), now);
  setMeta(sql, "seq", String(seq));
  sql.run(`delete from events where seq <= ?`, seq - retain);
  // A generic E's event is one member of the union; TypeScript cannot see which.
  return { seq, event, payload } as DurableEvent<E> as DurableEvent;
}

export type ResumePlan = { kind: "replay"; events: DurableEvent[] } | { kind: "snapshot"; reset: boolean };

/**
 * What a connecting client gets: exactly the events after `lastSeq`, or a snapshot when
 * it has none, comes from another epoch (a recreated room), or fell behind the log.
 */
export function planResume(sql: Sql, epoch: string, lastSeq: number | null, clientEpoch: string | null): ResumePlan {
  if (lastSeq === null) return { kind: "snapshot", reset: false };
  const seq = currentSeq(sql);
  if (clientEpoch !== epoch || lastSeq > seq) return { kind: "snapshot", reset: true };
  if (lastSeq === seq) return { kind: "replay", events: [] };
  const oldest = sql.one<{ seq: number }>(`select min(seq) as seq from events`)?.seq ?? seq + 1;
  if (lastSeq + 1 < oldest) return { kind: "snapshot", reset: true };
  const rows = sql.all<{ seq: number; event: DurableEventName; payload: string }>(`select seq, event, payload from events where seq > ? order by seq`, lastSeq);
  // An event that cannot be read would leave a gap the client cannot fill: it gets a
  // fresh snapshot instead (built from the rows that can be read).
  const events = readable(rows, decodeStoredEvent);
  return events.length === rows.length ? { kind: "replay", events } : { kind: "snapshot", reset: true };
}
