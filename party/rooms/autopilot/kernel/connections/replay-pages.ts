import type { DurableEvent } from "../../../../../shared/protocol/events";
import type { EventFrame } from "../../../../../shared/protocol/frames";
import { BoundedMap } from "../../../../domain/bounded-map";
import { viewedThreadOf } from "../../../../../shared/protocol/interest";

/**
 * A page of the log as a replay sends it: the frames' text, the thread each is a message of
 * (null for any other event: a socket that chose its threads skips the others' messages),
 * whether it hit an undecodable event, and the seq it ends at.
 */
export interface SentPage {
  texts: string[];
  threads: (string | null)[];
  unreadable: boolean;
  last: number;
}

/** How many recent pages are kept: the cursors a storm's sockets resume from are few. */
const KEPT_PAGES = 4;

/**
 * The replay pages read lately, shared by every socket that resumes from the same place.
 *
 * In a reconnect storm the sockets that were live together come back with the same
 * `lastSeq`, and each read, decoded and serialized the same page (the replay's largest
 * cost in a profiled storm of 200). The log only changes by appending, and every append
 * moves the current seq, so a page read from `after` while the log ended at `seq` is that
 * page for as long as the log still ends there.
 */
export class ReplayPages {
  readonly #pages = new BoundedMap<number, { seq: number; page: SentPage }>(KEPT_PAGES);

  constructor(
    private readonly read: (after: number) => { events: DurableEvent[]; unreadable: boolean; last: number },
  ) {}

  /** The page after `after`, the log ending at `seq` (read now, in the same synchronous turn). */
  get(after: number, seq: number): SentPage {
    const kept = this.#pages.get(after);
    if (kept && kept.seq === seq) return kept.page;
    const { events, unreadable, last } = this.read(after);
    const page = {
      texts: events.map(eventText),
      threads: events.map((e) => viewedThreadOf(e.event, e.payload)),
      unreadable,
      last,
    };
    this.#pages.set(after, { seq, page });
    return page;
  }
}

function eventText(e: DurableEvent): string {
  const frame: EventFrame = { type: "event", event: e.event, payload: e.payload, seq: e.seq };
  return JSON.stringify(frame);
}
