import type { PresenceEntry } from "../../../../../shared/protocol/presence";

/**
 * Who is connected, kept in memory so a snapshot hello or `presence.list` does not walk
 * every socket: the framework's connection list deserializes each socket's attachment, so
 * N fresh connects at once cost N² reads. Built from the sockets on first use after a wake
 * (hibernation empties memory) and kept up to date by the room's connects, status changes
 * and closes from then on.
 */
export class PresenceIndex {
  #entries: Map<string, PresenceEntry> | null = null;

  /** `current`: everyone connected as the sockets say (read once per wake, when first needed). */
  constructor(private readonly current: () => Iterable<PresenceEntry>) {}

  /** A socket joined or changed its status. */
  set(entry: PresenceEntry): void {
    this.#entries?.set(entry.connectionId, entry);
  }

  left(connectionId: string): void {
    this.#entries?.delete(connectionId);
  }

  entries(): PresenceEntry[] {
    return [...this.#read().values()];
  }

  /** How many are connected. */
  get size(): number {
    return this.#read().size;
  }

  #read(): Map<string, PresenceEntry> {
    if (!this.#entries) {
      this.#entries = new Map();
      for (const entry of this.current()) this.#entries.set(entry.connectionId, entry);
    }
    return this.#entries;
  }
}
