import { EntityId } from "../../../shared/protocol/common";
import { MAX_VIEWED_THREADS } from "../../../shared/protocol/interest";

/**
 * Delivery by interest (shared/protocol/interest.ts): a socket that connected with `view`
 * gets the messages and streams of the threads it views, and a coalesced bump for the others.
 * Such a socket carries this tag, and every other one EVERYTHING_TAG (fixed at accept, as
 * hibernatable sockets' tags are), so a thread's event finds each kind with one native lookup
 * and costs the sockets that get it, not the room's.
 */
export const VIEW_TAG = "view";
export const EVERYTHING_TAG = "view:all";
/**
 * The tag of a socket whose principal may not read (reading.ts), instead of
 * either of those: no thread's events find it, and a frame to many leaves it out (socket-fanout.ts).
 */
export const UNREAD_TAG = "view:none";

/** Protocol 18 added `view`. */
export const VIEW_SINCE = 18;

/** The threads a connect asks to view (deduplicated, at most MAX_VIEWED_THREADS), or null: everything. */
export function viewOf(url: URL, protocol: number): string[] | null {
  const asked = url.searchParams.get("view");
  if (asked === null || protocol < VIEW_SINCE) return null;
  return viewed(asked.split(","));
}

/** The tag of a connect's socket: whether it may read at all (`reads`), and if so whether it asked to view its threads. */
export function interestTag(url: URL, protocol: number | null, reads: boolean): string {
  if (!reads) return UNREAD_TAG;
  return protocol !== null && viewOf(url, protocol) !== null ? VIEW_TAG : EVERYTHING_TAG;
}

/** A list of thread ids as a view keeps it: entity ids only, no repeats, within the bound. */
export function viewed(ids: readonly string[]): string[] {
  const kept = new Set<string>();
  for (const id of ids) {
    if (kept.size >= MAX_VIEWED_THREADS) break;
    if (EntityId.safeParse(id).success) kept.add(id);
  }
  return [...kept];
}
