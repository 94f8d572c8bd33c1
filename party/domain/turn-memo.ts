import type { Sql } from "./sql";
import { BoundedMap } from "./bounded-map";

/**
 * What a room read in the current turn (the synchronous stretch until its microtasks run),
 * for the same turn's next reads, until the turn writes it: from a write on, the turn reads
 * every time, since the write's transaction may still roll back. Nothing outlives the turn,
 * so no other request's write can be missed.
 */
export class TurnMemo<K, V> {
  readonly #rooms = new WeakMap<Sql, Map<K, V> | "written">();

  read(sql: Sql, key: K, load: () => V): V {
    const turn = this.#rooms.get(sql);
    if (turn instanceof Map && turn.has(key)) return turn.get(key) as V;
    const value = load();
    if (turn === undefined) this.#keep(sql, new Map([[key, value]]));
    else if (turn !== "written") turn.set(key, value);
    return value;
  }

  /** The turn wrote what this memo holds: its reads go to storage until the turn ends. */
  written(sql: Sql): void {
    this.#keep(sql, "written");
  }

  #keep(sql: Sql, turn: Map<K, V> | "written"): void {
    if (!this.#rooms.has(sql)) queueMicrotask(() => this.#rooms.delete(sql));
    this.#rooms.set(sql, turn);
  }
}

/**
 * What a room read, kept across turns until it is written: for what every reconnect's hello
 * reads and few requests write (the log's end, a person's read markers). Every writer of what
 * a key holds calls `written`: the key goes, and until the writing turn ends the room's reads
 * are not kept, since the write's transaction may still roll back. At most `max` keys per room,
 * the one loaded from storage longest ago going first.
 */
export class CommittedMemo<K, V> {
  readonly #rooms = new WeakMap<Sql, BoundedMap<K, V>>();
  readonly #writing = new WeakSet<Sql>();
  /** Per room, how many writes this memo was told of: what `committed` checks nothing was written since. */
  readonly #writes = new WeakMap<Sql, number>();

  constructor(private readonly max: number) {}

  read(sql: Sql, key: K, load: () => V): V {
    const kept = this.#rooms.get(sql);
    if (kept?.has(key)) return kept.get(key) as V;
    const value = load();
    if (this.#writing.has(sql)) return value;
    if (kept) kept.set(key, value);
    else this.#rooms.set(sql, new BoundedMap<K, V>(this.max).set(key, value));
    return value;
  }

  /** Returns the write's number, for `committed`. */
  written(sql: Sql, key: K): number {
    this.#rooms.get(sql)?.delete(key);
    const write = (this.#writes.get(sql) ?? 0) + 1;
    this.#writes.set(sql, write);
    if (this.#writing.has(sql)) return write;
    this.#writing.add(sql);
    queueMicrotask(() => this.#writing.delete(sql));
    return write;
  }

  /**
   * The transaction of write number `write` committed, `value` what it wrote under `key`: kept,
   * so the next read need not go to storage, unless the memo was told of a write since (one
   * made by what reacted to the commit, say, which may be newer or may still roll back).
   */
  committed(sql: Sql, key: K, value: V, write: number): void {
    if (this.#writes.get(sql) !== write) return;
    const kept = this.#rooms.get(sql);
    if (kept) kept.set(key, value);
    else this.#rooms.set(sql, new BoundedMap<K, V>(this.max).set(key, value));
  }
}
