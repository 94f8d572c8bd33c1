import { matchFilters } from "nostr-tools/filter";
import type { Sql } from "../../domain/sql";
import { type Filter, frames, type NostrEvent } from "./messages";
import { subscriptionRows } from "./store";

/**
 * A community's open subscriptions in memory, for the fan-out of each new event, and in
 * SQLite (store.ts), so that they outlive the object's hibernation: a woken relay reads
 * them back once, for the sockets still open.
 *
 * The fan-out does not try every subscription on every event: each filter is filed under
 * one value a matching event must have (an id, an author, a tag's value, a kind, in that
 * order of how few events carry it), and an event looks up only its own values. Two
 * thousand sockets each waiting for their own mentions (`#p`) cost an event a handful of
 * map lookups, not two thousand filter checks. A filter with none of those is tried on
 * every event. Each candidate is then checked in full (nostr-tools' matchFilters).
 */
interface Sub {
  connection: string;
  subId: string;
  filters: Filter[];
  ws: WebSocket;
  /** The index keys it is filed under. */
  keys: string[];
}

/** The keys a filter is filed under: every value of its most selective field (any one must match). */
function keysOf(filter: Filter): string[] | null {
  if (filter.ids) return filter.ids.map((id) => `i:${id}`);
  if (filter.authors) return filter.authors.map((author) => `a:${author}`);
  for (const [field, values] of Object.entries(filter))
    if (field.startsWith("#") && Array.isArray(values)) return values.map((value) => `t:${field.slice(1)}:${value}`);
  if (filter.kinds) return filter.kinds.map((kind) => `k:${kind}`);
  return null;
}

/** The keys an event can be found under. */
function eventKeys(event: NostrEvent): string[] {
  const keys = [`i:${event.id}`, `a:${event.pubkey}`, `k:${event.kind}`];
  for (const tag of event.tags) if (tag[0]?.length === 1 && tag[1] !== undefined) keys.push(`t:${tag[0]}:${tag[1]}`);
  return keys;
}

export class Subscriptions {
  /** connection → its subscriptions by id. */
  readonly #byConnection = new Map<string, Map<string, Sub>>();
  readonly #index = new Map<string, Set<Sub>>();
  /** Subscriptions with a filter no key can stand for. */
  readonly #everyEvent = new Set<Sub>();

  /** After a wake: the stored subscriptions of the sockets still open; the rest were left by closed ones. */
  restore(store: Sql, sockets: Map<string, WebSocket>): void {
    for (const row of subscriptionRows.all(store)) {
      const ws = sockets.get(row.connection);
      if (!ws) {
        subscriptionRows.dropConnection(store, row.connection);
        continue;
      }
      this.#add(row.connection, ws, row.subId, JSON.parse(row.filters) as Filter[]);
    }
  }

  #add(connection: string, ws: WebSocket, subId: string, filters: Filter[]): void {
    this.#remove(connection, subId);
    const sub: Sub = { connection, subId, filters, ws, keys: [] };
    let subs = this.#byConnection.get(connection);
    if (!subs) {
      subs = new Map();
      this.#byConnection.set(connection, subs);
    }
    subs.set(subId, sub);
    for (const filter of filters) {
      const keys = keysOf(filter);
      if (keys === null) {
        this.#everyEvent.add(sub);
        continue;
      }
      for (const key of keys) {
        let filed = this.#index.get(key);
        if (!filed) {
          filed = new Set();
          this.#index.set(key, filed);
        }
        filed.add(sub);
        sub.keys.push(key);
      }
    }
  }

  #remove(connection: string, subId: string): boolean {
    const subs = this.#byConnection.get(connection);
    const sub = subs?.get(subId);
    if (!subs || !sub) return false;
    subs.delete(subId);
    if (subs.size === 0) this.#byConnection.delete(connection);
    this.#everyEvent.delete(sub);
    for (const key of sub.keys) {
      const filed = this.#index.get(key);
      filed?.delete(sub);
      if (filed?.size === 0) this.#index.delete(key);
    }
    return true;
  }

  count(connection: string): number {
    return this.#byConnection.get(connection)?.size ?? 0;
  }

  has(connection: string, subId: string): boolean {
    return this.#byConnection.get(connection)?.has(subId) ?? false;
  }

  /** Opens or replaces (NIP-01: a REQ with an open id replaces it) a subscription. */
  open(store: Sql, connection: string, ws: WebSocket, subId: string, filters: Filter[]): void {
    this.#add(connection, ws, subId, filters);
    subscriptionRows.save(store, connection, subId, filters);
  }

  close(store: Sql, connection: string, subId: string): boolean {
    if (!this.#remove(connection, subId)) return false;
    subscriptionRows.drop(store, connection, subId);
    return true;
  }

  /** A socket closed (or lost its access): every subscription of it goes. Returns their ids. */
  dropConnection(store: Sql | null, connection: string): string[] {
    const ids = [...(this.#byConnection.get(connection)?.keys() ?? [])];
    for (const subId of ids) this.#remove(connection, subId);
    if (store && ids.length > 0) subscriptionRows.dropConnection(store, connection);
    return ids;
  }

  /** Sends a new event to every subscription it matches; how many frames went out. */
  broadcast(event: NostrEvent, json: string): number {
    const candidates = new Set(this.#everyEvent);
    for (const key of eventKeys(event)) for (const sub of this.#index.get(key) ?? []) candidates.add(sub);
    let sent = 0;
    for (const sub of candidates) {
      if (!matchFilters(sub.filters, event)) continue;
      try {
        sub.ws.send(frames.event(sub.subId, json));
        sent += 1;
      } catch {
        // The socket is closing: its close handler drops its subscriptions.
      }
    }
    return sent;
  }
}
