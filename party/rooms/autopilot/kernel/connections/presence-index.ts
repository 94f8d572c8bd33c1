import type { PresenceEntry, PresencePerson } from "../../../../../shared/protocol/presence";
import { personOf } from "../../../../../shared/presence-people";

/**
 * The people a summary shows (protocol 17): the first to arrive, at most this many and within
 * this many bytes of JSON, so what a hello or a `presence.summary` carries of presence stays
 * small whatever the workspace's size.
 */
export const PRESENCE_SHOWN = { people: 12, bytes: 1800 } as const;

const encoder = new TextEncoder();

/**
 * Who is connected, kept in memory so a hello or `presence.list` does not walk every socket:
 * the framework's connection list deserializes each socket's attachment, so N fresh connects
 * at once cost N² reads. Built from the sockets on first use after a wake (hibernation empties
 * memory) and kept up to date by the room's connects, status changes and closes from then on.
 *
 * People are kept in order of arrival (a principal arrives with their first socket and leaves
 * with their last), so the people a summary shows are found without sorting anyone.
 */
export class PresenceIndex {
  #entries: Map<string, PresenceEntry> | null = null;
  /** Each principal's sockets by connection id, principals in order of arrival. */
  #people: Map<string, Map<string, PresenceEntry>> | null = null;

  /** `current`: everyone connected as the sockets say (read once per wake, when first needed). */
  constructor(private readonly current: () => Iterable<PresenceEntry>) {}

  /** A socket joined or changed its status. */
  set(entry: PresenceEntry): void {
    if (!this.#entries || !this.#people) return;
    this.#entries.set(entry.connectionId, entry);
    const own = this.#people.get(entry.principalId) ?? new Map<string, PresenceEntry>();
    own.set(entry.connectionId, entry);
    this.#people.set(entry.principalId, own);
  }

  left(connectionId: string): void {
    const entry = this.#entries?.get(connectionId);
    if (!entry) return;
    this.#entries!.delete(connectionId);
    const own = this.#people!.get(entry.principalId);
    own?.delete(connectionId);
    if (own?.size === 0) this.#people!.delete(entry.principalId);
  }

  entries(): PresenceEntry[] {
    return [...this.#read().entries.values()];
  }

  /** How many are connected. */
  get size(): number {
    return this.#read().entries.size;
  }

  /**
   * The first people to arrive, within PRESENCE_SHOWN, with their JSON as a summary carries
   * it (measured on the way, so the room compares what it told without serialising again).
   */
  shown(): { people: PresencePerson[]; json: string } {
    const people: PresencePerson[] = [];
    const parts: string[] = [];
    let bytes = 2;
    for (const own of this.#read().people.values()) {
      if (people.length >= PRESENCE_SHOWN.people) break;
      const person = personOf([...own.values()]);
      const json = JSON.stringify(person);
      bytes += encoder.encode(json).byteLength + 1;
      if (bytes > PRESENCE_SHOWN.bytes) break;
      people.push(person);
      parts.push(json);
    }
    return { people, json: `[${parts.join(",")}]` };
  }

  /** How many people are here. */
  get people(): number {
    return this.#read().people.size;
  }

  /** Whether this socket is connected. */
  has(connectionId: string): boolean {
    return this.#read().entries.has(connectionId);
  }

  /** How many sockets `principalId` has open. */
  own(principalId: string): number {
    return this.#read().people.get(principalId)?.size ?? 0;
  }

  #read(): { entries: Map<string, PresenceEntry>; people: Map<string, Map<string, PresenceEntry>> } {
    if (!this.#entries || !this.#people) {
      const entries = [...this.current()].sort((a, b) => a.connectedAt - b.connectedAt);
      this.#entries = new Map();
      this.#people = new Map();
      for (const entry of entries) this.set(entry);
    }
    return { entries: this.#entries, people: this.#people };
  }
}
