import type { z } from "zod";
import type { PresenceDiffPayload, PresenceEntry } from "../../../../../shared/protocol/presence";

type PresenceDiff = z.infer<typeof PresenceDiffPayload>;

const encoder = new TextEncoder();

/** Presence entries ordered by connection id, one page after `after` (bounded in count and, optionally, bytes). */
export function pagePresence(
  all: readonly PresenceEntry[],
  after: string | undefined,
  limit: number,
  maxBytes = Number.POSITIVE_INFINITY,
): { entries: PresenceEntry[]; next: string | null } {
  const sorted = all
    .filter((e) => after === undefined || e.connectionId > after)
    .sort((a, b) => (a.connectionId < b.connectionId ? -1 : 1));
  const entries: PresenceEntry[] = [];
  let bytes = 0;
  for (const entry of sorted) {
    if (entries.length >= limit) break;
    bytes += encoder.encode(JSON.stringify(entry)).byteLength;
    if (bytes > maxBytes) break;
    entries.push(entry);
  }
  const more = entries.length < sorted.length;
  return { entries, next: more ? (entries.at(-1)?.connectionId ?? after ?? "") : null };
}

/** Most entries in one diff frame: a storm of thousands still goes out in frames of bounded size. */
export const MAX_DIFF_ENTRIES = 500;

type Change = { kind: "upsert"; entry: PresenceEntry; fresh: boolean } | { kind: "left"; principalId: string };

/**
 * Joins, updates and leaves since the last diff, coalesced per connection: a connection
 * that joined and left within one window never shows; the last update wins.
 */
export class PresenceChanges {
  readonly #changes = new Map<string, Change>();

  get size(): number {
    return this.#changes.size;
  }

  joined(entry: PresenceEntry): void {
    this.#changes.set(entry.connectionId, { kind: "upsert", entry, fresh: true });
  }

  updated(entry: PresenceEntry): void {
    const previous = this.#changes.get(entry.connectionId);
    this.#changes.set(entry.connectionId, {
      kind: "upsert",
      entry,
      fresh: previous?.kind === "upsert" && previous.fresh,
    });
  }

  left(connectionId: string, principalId: string): void {
    const previous = this.#changes.get(connectionId);
    // Nobody was told it joined: telling them it left would be noise.
    if (previous?.kind === "upsert" && previous.fresh) this.#changes.delete(connectionId);
    else this.#changes.set(connectionId, { kind: "left", principalId });
  }

  /** The pending changes as diff frames (leaves first within each), and forgets them. */
  take(): PresenceDiff[] {
    const diffs: PresenceDiff[] = [];
    let current: PresenceDiff = { upserted: [], left: [] };
    for (const [connectionId, change] of this.#changes) {
      if (change.kind === "upsert") current.upserted.push(change.entry);
      else current.left.push({ connectionId, principalId: change.principalId });
      if (current.upserted.length + current.left.length >= MAX_DIFF_ENTRIES) {
        diffs.push(current);
        current = { upserted: [], left: [] };
      }
    }
    if (current.upserted.length + current.left.length > 0) diffs.push(current);
    this.#changes.clear();
    return diffs;
  }
}
