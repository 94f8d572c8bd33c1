// Reading a Nostr relay as a stock client does (nostr-tools), for the tests of the rooms' relay.
import type { Event, EventTemplate, VerifiedEvent } from "nostr-tools/core";
import type { SimplePool } from "nostr-tools/pool";

/** The notes (kind 1) the relay at `url` serves a client that authenticates with `sign`: what it has stored, up to its EOSE. */
export function storedNotes(
  pool: SimplePool,
  url: string,
  sign: (template: EventTemplate) => Promise<VerifiedEvent>,
): Promise<Event[]> {
  return new Promise((resolve) => {
    const events: Event[] = [];
    const sub = pool.subscribe(
      [url],
      { kinds: [1] },
      {
        onauth: sign,
        onevent: (e) => events.push(e),
        oneose: () => {
          sub.close();
          resolve(events);
        },
      },
    );
  });
}
