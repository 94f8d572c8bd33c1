import { matchFilters } from "nostr-tools/filter";
import type { Sql } from "../../domain/sql";
import { type Filter, frames, type NostrEvent } from "./messages";
import { subscriptionRows } from "./store";

/**
 * A community's open subscriptions in memory, for the fan-out of each new event, and in
 * SQLite (store.ts), so that they outlive the object's hibernation: a woken relay reads
 * them back once, for the sockets still open.
 */
interface Open {
  ws: WebSocket;
  subs: Map<string, Filter[]>;
}

export class Subscriptions {
  readonly #open = new Map<string, Open>();

  /** After a wake: the stored subscriptions of the sockets still open; the rest were left by closed ones. */
  restore(store: Sql, sockets: Map<string, WebSocket>): void {
    for (const row of subscriptionRows.all(store)) {
      const ws = sockets.get(row.connection);
      if (!ws) {
        subscriptionRows.dropConnection(store, row.connection);
        continue;
      }
      this.#entry(row.connection, ws).subs.set(row.subId, JSON.parse(row.filters) as Filter[]);
    }
  }

  #entry(connection: string, ws: WebSocket): Open {
    let open = this.#open.get(connection);
    if (!open) {
      open = { ws, subs: new Map() };
      this.#open.set(connection, open);
    }
    return open;
  }

  count(connection: string): number {
    return this.#open.get(connection)?.subs.size ?? 0;
  }

  has(connection: string, subId: string): boolean {
    return this.#open.get(connection)?.subs.has(subId) ?? false;
  }

  /** Opens or replaces (NIP-01: a REQ with an open id replaces it) a subscription. */
  open(store: Sql, connection: string, ws: WebSocket, subId: string, filters: Filter[]): void {
    this.#entry(connection, ws).subs.set(subId, filters);
    subscriptionRows.save(store, connection, subId, filters);
  }

  close(store: Sql, connection: string, subId: string): boolean {
    const open = this.#open.get(connection);
    if (!open?.subs.delete(subId)) return false;
    subscriptionRows.drop(store, connection, subId);
    return true;
  }

  /** A socket closed (or lost its access): every subscription of it goes. Returns their ids. */
  dropConnection(store: Sql | null, connection: string): string[] {
    const open = this.#open.get(connection);
    this.#open.delete(connection);
    if (store && open?.subs.size) subscriptionRows.dropConnection(store, connection);
    return open ? [...open.subs.keys()] : [];
  }

  /** Sends a new event to every subscription it matches; how many frames went out. */
  broadcast(event: NostrEvent, json: string): number {
    let sent = 0;
    for (const open of this.#open.values()) {
      for (const [subId, filters] of open.subs) {
        if (!matchFilters(filters, event)) continue;
        try {
          open.ws.send(frames.event(subId, json));
          sent += 1;
        } catch {
          // The socket is closing: its close handler drops its subscriptions.
        }
      }
    }
    return sent;
  }
}
