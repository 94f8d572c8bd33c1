// The one way to write to the Autopilot room: a transaction as a principal (or the room),
// the durable events it appends to the room's log (which resumes replay), the audit trail it
// writes, and the after-commit bus that publishes the events, to the clients first and then
// to each feature, and the room's news (what a commit tells the features only) after them.
import type { DurableEvent, DurableEventName, EventPayload, WrittenPayload } from "../../../../shared/protocol/events";
import type { Actor, Principal } from "../../../../shared/protocol/principal";
import { asc, desc, gt, lt, lte, min, sql as q, sum } from "drizzle-orm";
import { param, preparedPerRoom } from "../../../domain/db/client";
import { audit, events } from "./tables";
import { newId } from "../../../domain/keys";
import { getMeta, setMeta } from "../../../domain/meta";
import type { Sql } from "../../../domain/sql";
import { CommittedMemo } from "../../../domain/turn-memo";
import { readable } from "../../../records/codec";
import { auditRecord } from "../../../records/documents";
import { decodeStoredEvent, encodeEventPayload } from "../../../records/events";
import type { AuditEntry } from "../../../../shared/protocol/audit";
import type { Answered, Feature, News, NewsName, RoomNews } from "./feature";

/** Everything a domain operation may touch; built per request, inside its transaction. */
export interface OpContext {
  readonly sql: Sql;
  readonly principal: Principal;
  readonly actor: Actor;
  /**
   * Whose turn this work is done for: the principal itself, or for the Autopilot's run
   * the principal whose message started it; null when the room acts on its own (an
   * approval records it as `onBehalfOf`).
   */
  readonly onBehalfOf: Actor | null;
  readonly now: number;
  newId(prefix: string): string;
  emit<E extends DurableEventName>(event: E, payload: WrittenPayload<E>): void;
  /**
   * Tells the room's features a news item (kernel/feature.ts `RoomNews`) once this commit went
   * out; no client hears it. Told twice in one commit, or in several commits of one burst, the
   * features hear it once, with the payload told last: tell it when the commit's change is made.
   */
  tell<N extends NewsName>(news: N, payload: RoomNews[N]): void;
  audit(action: string, targetId: string, details?: Record<string, unknown>): void;
  /** Ask the room to wake at this time (approval expiry). Honoured after commit. */
  wakeAt(at: number): void;
}

export interface OpEffects {
  events: DurableEvent[];
  wakeups: number[];
  /** The news the commit told, in the order told. */
  news: News[];
}

export function actorOf(principal: Principal): Actor {
  return { id: principal.id, kind: principal.kind, name: principal.name };
}

export function createOpContext(
  sql: Sql,
  principal: Principal | null,
  now: number,
  onBehalfOf?: Actor,
): { ctx: OpContext; effects: OpEffects } {
  const effects: OpEffects = { events: [], wakeups: [], news: [] };
  // The room itself acts (e.g. expiring approvals) with no principal and every scope.
  const p: Principal = principal ?? { id: "room", kind: "agent", name: "Autopilot", scopes: ["admin"] };
  const actor = actorOf(p);
  const ctx: OpContext = {
    sql,
    principal: p,
    actor,
    onBehalfOf: onBehalfOf ?? (principal ? actor : null),
    now,
    newId,
    // The commit's events follow one another: the seq is read once, and the log trimmed once
    // when the commit's function is done (commitTo).
    // What the room writes is whole: the wire's shape of the event (EventPayload) takes it.
    emit: (event, payload) =>
      effects.events.push(
        appendToLog(
          sql,
          event,
          payload as EventPayload<typeof event>,
          now,
          effects.events.at(-1)?.seq ?? currentSeq(sql),
        ),
      ),
    // One name and its payload, as told: the union's pairing holds for each call.
    tell: (news, payload) => void effects.news.push({ news, payload } as News),
    audit: (action, targetId, details = {}) =>
      appendAudit(sql, principal ? actor : null, action, targetId, details, now),
    wakeAt: (at) => effects.wakeups.push(at),
  };
  return { ctx, effects };
}

/** What a transaction is done as, besides its principal. */
export interface CommitOptions {
  /** Whose turn this work is done for, when not the principal's own (see OpContext.onBehalfOf). */
  onBehalfOf?: Actor;
  /** The request's time, when it was read before the transaction (a request's own clock). */
  now?: number;
}

/**
 * The one way to write to a room: `fn` runs in one transaction as `as` (null: the room itself,
 * with every scope), and what it emitted is published once it committed. A transaction that
 * throws rolled back: nothing of it is published, and the error goes on to the caller.
 */
export type Commit = <T>(as: Principal | null, fn: (ctx: OpContext) => T, options?: CommitOptions) => T;

/** What writing to the room takes: its SQL, and the commit that publishes. */
export interface RoomWriter {
  readonly sql: Sql;
  readonly commit: Commit;
}

/** The room's commit over its SQL: the log trimmed to its newest `retain` events, effects to `publish` after commit. */
export function commitTo(sql: Sql, retain: number, publish: (effects: OpEffects) => void): Commit {
  // A commit inside another's function would publish before the outer one committed, and stay
  // published if the outer one rolled back: refused, as the programming error it is (work that
  // belongs to the same change writes through the outer commit's `ctx`).
  let open = false;
  return (as, fn, options = {}) => {
    if (open) throw new Error("a commit inside another commit's function: write through that commit's ctx instead");
    const { ctx, effects } = createOpContext(sql, as, options.now ?? Date.now(), options.onBehalfOf);
    open = true;
    let result: ReturnType<typeof fn>;
    try {
      result = sql.transaction(() => {
        const done = fn(ctx);
        const end = effects.events.at(-1)?.seq;
        if (end !== undefined) trimLog(sql, end, retain);
        return done;
      });
    } finally {
      open = false;
    }
    // Committed: the log's end is known without reading it again.
    const end = effects.events.at(-1)?.seq;
    if (end !== undefined) seqs.committed(sql, "seq", end, lastWrite.get(sql) ?? 0);
    publish(effects);
    return result;
  };
}

// The after-commit bus.

type AnyReaction = (payload: unknown, event?: DurableEvent) => void;

/**
 * The after-commit bus: every commit's effects go out to the clients first (so everyone,
 * the requester too, has the change before anything reacts to it), then to each feature
 * in the kernel's order (kernel/features.ts): its reactions to the commit's events, then its
 * `afterCommit`. A reaction may commit again: that commit is published once every feature
 * has heard of the one before it, so each feature hears of the commits in the order they
 * were made.
 *
 * News goes out by the burst: a commit and every commit its hearers made while it went out.
 * Once the burst's commits all went out, each news item told in it goes to each feature's
 * reaction, in the kernel's order, once however many of the burst's commits told it (a run's
 * model call and the raise its approval made are one change of the money to hear of), with the
 * payload told last. A news reaction may commit: that commit goes out, and its news after it.
 */
export class CommitBus {
  readonly #waiting: OpEffects[] = [];
  /** The burst's news by name, each with its last payload, in the order first told. */
  readonly #news = new Map<NewsName, unknown>();
  #publishing = false;

  constructor(
    private readonly deliver: (effects: OpEffects) => void,
    private features: readonly Feature[] = [],
  ) {}

  /**
   * The features that hear each commit, in the kernel's order. They are built on the commit,
   * so the room's bus exists before them and is given them once they are built.
   */
  serve(features: readonly Feature[]): void {
    this.features = features;
  }

  readonly publish = (effects: OpEffects): void => {
    this.#waiting.push(effects);
    this.#drain();
  };

  #drain(): void {
    if (this.#publishing) return;
    this.#publishing = true;
    try {
      for (;;) {
        for (let next = this.#waiting.shift(); next; next = this.#waiting.shift()) this.#publishOne(next);
        if (this.#news.size === 0) break;
        for (const [news, payload] of [...this.#news]) {
          this.#news.delete(news);
          this.#tellOne(news, payload);
        }
      }
    } finally {
      this.#publishing = false;
      // A reaction threw (its error goes on to the committer): the commits made meanwhile, and
      // the news not heard yet, still go out.
      if (this.#waiting.length > 0 || this.#news.size > 0) this.#drain();
    }
  }

  #publishOne(effects: OpEffects): void {
    for (const { news, payload } of effects.news) {
      // Told again: its last payload, heard where it was first told.
      this.#news.set(news, payload);
    }
    this.deliver(effects);
    for (const feature of this.features) {
      const reactions = feature.reactions as Record<string, AnyReaction | undefined> | undefined;
      if (reactions) {
        for (const e of effects.events) reactions[e.event]?.(e.payload, e);
      }
      feature.afterCommit?.(effects);
    }
  }

  #tellOne(news: NewsName, payload: unknown): void {
    for (const feature of this.features)
      (feature.reactions as Record<string, AnyReaction | undefined> | undefined)?.[news]?.(payload);
  }

  /** A request was answered ok: the features that care about its method hear of it. */
  readonly answered = (answer: Answered): void => {
    // Each hook takes the answer of its own method: keyed by that method, the pairing holds.
    for (const feature of this.features)
      (feature.answered?.[answer.method] as ((a: Answered) => void) | undefined)?.(answer);
  };
}

// The room's event log.

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

/** Each room's seq, read once and kept until an append: every connect and every commit asks for it. */
const seqs = new CommittedMemo<"seq", number>(1);
/** Each room's last append, as `seqs` numbered it: what a commit keeps once it committed. */
const lastWrite = new WeakMap<Sql, number>();

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
  const appended = appendToLog(sql, event, payload, now, currentSeq(sql));
  trimLog(sql, appended.seq, retain);
  return appended;
}

/** Appends the event after `after` (the log's end in this transaction), the log's end written with it. */
function appendToLog<E extends DurableEventName>(
  sql: Sql,
  event: E,
  payload: EventPayload<E>,
  now: number,
  after: number,
): DurableEvent {
  const seq = after + 1;
  statements(sql.db).insert.run({ seq, event, payload: encodeEventPayload(event, payload), at: now });
  setMeta(sql, "seq", String(seq));
  lastWrite.set(sql, seqs.written(sql, "seq"));
  // A generic E's event is one member of the union; TypeScript cannot see which.
  return { seq, event, payload } as DurableEvent<E> as DurableEvent;
}

/** Keeps the log's newest `retain` events up to `end`. */
function trimLog(sql: Sql, end: number, retain: number): void {
  statements(sql.db).trim.run({ upTo: end - retain });
}

/**
 * How much a resume may replay before the client gets a fresh (bounded) snapshot instead.
 * A replay goes out in pages (party/rooms/autopilot/kernel/fanout.ts), but a gap of thousands of
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

// The audit trail: who did what, written in the commit that did it.

export function appendAudit(
  sql: Sql,
  actor: Actor | null,
  action: string,
  targetId: string,
  details: Record<string, unknown>,
  at: number,
): void {
  sql.db
    .insert(audit)
    .values({ at, doc: auditRecord.encode({ actor, action, targetId, details }) })
    .run();
}

export function listAudit(
  sql: Sql,
  before: number | undefined,
  limit: number,
): { entries: AuditEntry[]; hasMore: boolean } {
  const rows = sql.db
    .select({ n: audit.n, at: audit.at, doc: audit.doc })
    .from(audit)
    .where(lt(audit.n, before ?? Number.MAX_SAFE_INTEGER))
    .orderBy(desc(audit.n))
    .limit(limit + 1)
    .all();
  const entries = readable(
    rows.slice(0, limit),
    (r): AuditEntry => ({ n: r.n, at: r.at, ...auditRecord.decode(r.doc) }),
  );
  return { entries, hasMore: rows.length > limit };
}
