import type { Sql } from "./sql";

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
