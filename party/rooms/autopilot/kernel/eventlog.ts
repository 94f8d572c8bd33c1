import type { DurableEvent, DurableEventName, EventPayload } from "../../../../shared/protocol/events";
import { asc, gt, lte, min, sql as q, sum } from "drizzle-orm";
import { param, preparedPerRoom } from "../../../domain/db/client";
import { events } from "../../../domain/db/schema";
import { getMeta, setMeta } from "../../../domain/meta";
import type { Sql } from "../../../domain/sql";
import { TurnMemo } from "../../../domain/turn-memo";
import { readable } from "../../../records/codec";
import { decodeStoredEvent, encodeEventPayload } from "../../../records/events";

/** Each room's epoch once read back from its storage: it never changes after it is made. */
const epochs = new WeakMap<Sql, string>();

/** The room's epoch: made once, it tells a client whether its `lastSeq` is from this log. */
export function roomEpoch(sql: Sql): string {
  const known = epochs.get(sql);
  if (known) return known;
  const stored = getMeta(sql, "epoch");
  // Kept only once read from storage: one just made could still roll back with its transaction.
  if (stored) epochs.set(sql, stored);
  if (stored) return stored;
  const epoch = crypto.randomUUID();
  setMeta(sql, "epoch", epoch);
  return epoch;
}

/** Each room's seq as read in the current turn (a connect asks for it four times), until an append. */
const seqs = new TurnMemo<"seq", number>();

export function currentSeq(sql: Sql): number {
  return seqs.read(sql, "seq", () => Number(getMeta(sql, "seq") ?? 0));
}

// Run with every durable event and every replay page: prepared once per room.
const statements = preparedPerRoom((db) => ({
  insert: db
    .insert(events)
    .values({ seq: param("seq"), event: param("event"), payload: param("payload"), at: param("at") })
    .prepare(),
  trim: db
    .delete(events)
    .where(lte(events.seq, param("upTo")))
    .prepare(),
  gap: db
    .select({ oldest: min(events.seq), bytes: sum(q<number>`length(${events.payload})`) })
    .from(events)
    .where(gt(events.seq, param("after")))
    .prepare(),
  page: db
    .select({ seq: events.seq, event: events.event, payload: events.payload })
    .from(events)
    .where(gt(events.seq, param("after")))
    .orderBy(asc(events.seq))
    .limit(param("limit"))
    .prepare(),
}));

/** Appends inside the caller's transaction, so the event commits with the change it reports. */
export function appendEvent<E extends DurableEventName>(
  sql: Sql,
  event: E,
  payload: EventPayload<E>,
  now: number,
  retain: number,
): DurableEvent {
  const seq = currentSeq(sql) + 1;
  const log = statements(sql.db);
  log.insert.run({ seq, event, payload: encodeEventPayload(event, payload), at: now });
  setMeta(sql, "seq", String(seq));
  seqs.written(sql);
  log.trim.run({ upTo: seq - retain });
  // A generic E's event is one member of the union; TypeScript cannot see which.
  return { seq, event, payload } as DurableEvent<E> as DurableEvent;
}

/**
 * How much a resume may replay before the client gets a fresh (bounded) snapshot instead.
 * A replay goes out in pages (party/rooms/autopilot/kernel/connections/replay-pump.ts), but a gap of thousands of
 * events is cheaper to greet with a snapshot than to stream: a long log replayed whole
 * is tens of megabytes.
 */
export const REPLAY_BUDGET = { events: 1000, bytes: 1024 * 1024 } as const;

/** One page of a replay: at most this many events or bytes (whichever comes first). */
export const REPLAY_PAGE = { events: 100, bytes: 64 * 1024 } as const;

export type ResumePlan = { kind: "replay"; from: number } | { kind: "snapshot"; reset: boolean };

/**
 * What a connecting client gets: the events after `lastSeq` (streamed in pages from
 * `from`), or a snapshot when it has none, comes from another epoch (a recreated room),
 * fell behind the log, or is further behind than the replay budget.
 */
export function planResume(
  sql: Sql,
  epoch: string,
  lastSeq: number | null,
  clientEpoch: string | null,
  budget: { events: number; bytes: number } = REPLAY_BUDGET,
): ResumePlan {
  if (lastSeq === null) return { kind: "snapshot", reset: false };
  const seq = currentSeq(sql);
  if (clientEpoch !== epoch || lastSeq > seq) return { kind: "snapshot", reset: true };
  if (lastSeq === seq) return { kind: "replay", from: lastSeq };
  if (seq - lastSeq > budget.events) return { kind: "snapshot", reset: true };
  const gap = statements(sql.db).gap.get({ after: lastSeq });
  const oldest = gap?.oldest ?? seq + 1;
  if (lastSeq + 1 < oldest || Number(gap?.bytes ?? 0) > budget.bytes) return { kind: "snapshot", reset: true };
  return { kind: "replay", from: lastSeq };
}

/**
 * The next page of the log after `after`. `unreadable` means an event in it cannot be
 * decoded: it would leave a gap the client cannot fill, so the caller resets the client
 * instead. `events` is empty when the log has nothing after `after`; `last` is the seq of
 * the last row read (readable or not).
 */
export function readEventPage(
  sql: Sql,
  after: number,
  page: { events: number; bytes: number } = REPLAY_PAGE,
): { events: DurableEvent[]; unreadable: boolean; last: number } {
  const rows = statements(sql.db).page.all({ after, limit: page.events });
  let bytes = 0;
  let taken = 0;
  // Always at least one event, however big, or the replay could never move on.
  while (taken < rows.length && (taken === 0 || bytes + rows[taken]!.payload.length <= page.bytes))
    bytes += rows[taken++]!.payload.length;
  const kept = rows.slice(0, taken);
  const events = readable(kept, decodeStoredEvent);
  return { events, unreadable: events.length !== kept.length, last: kept.at(-1)?.seq ?? after };
}
