/**
 * What the room last told of presence, so a window whose changes cancel out tells nobody
 * anything: a socket that drops and comes back (a network blip, a deploy), a device that
 * leaves as another of the same person arrives. Each socket knows what the last summary said,
 * or what its own hello said if that came later; a window tells again whatever some socket
 * now holds differently from the room.
 *
 * Memory only: after a wake nothing is known to be told, so the first window tells everything.
 */
export class PresenceTold {
  /** The counts the last summary told (`people/connections`; null: none since a wake). */
  #counts: string | null = null;
  /** The people shown as the last summary told them (JSON). */
  #shown: string | null = null;
  /** Each principal's own count as its sockets were last told it (by `presence.own`). */
  readonly #own = new Map<string, number>();
  /** Since the last window: a hello told other counts or people than the last summary. */
  #helloedCounts = false;
  #helloedShown = false;
  /** Since the last window: principals a hello told another own count than its other sockets hold. */
  readonly #helloedOwn = new Set<string>();

  /** A hello told a socket of `principalId` these. */
  helloed(counts: Counts, shownJson: string, principalId: string, own: number): void {
    if (countsKey(counts) !== this.#counts) this.#helloedCounts = true;
    if (shownJson !== this.#shown) this.#helloedShown = true;
    if (this.#own.get(principalId) !== own) this.#helloedOwn.add(principalId);
  }

  /**
   * What a window tells, given how things stand now: the summary or nothing, with the people
   * shown or without, and which of the principals it touched get their own count again.
   */
  window(
    counts: Counts,
    shownJson: string,
    touched: Iterable<string>,
    ownOf: (principalId: string) => number,
  ): { summary: boolean; shown: boolean; own: string[] } {
    const key = countsKey(counts);
    const shown = shownJson !== this.#shown || this.#helloedShown;
    const summary = shown || key !== this.#counts || this.#helloedCounts;
    this.#counts = key;
    this.#shown = shownJson;
    this.#helloedCounts = false;
    this.#helloedShown = false;
    const own: string[] = [];
    for (const principalId of new Set([...touched, ...this.#helloedOwn])) {
      const now = ownOf(principalId);
      if (now === this.#own.get(principalId) && !this.#helloedOwn.has(principalId)) continue;
      own.push(principalId);
      // Gone: nobody of theirs holds a count any more, and a return starts afresh.
      if (now === 0) this.#own.delete(principalId);
      else this.#own.set(principalId, now);
    }
    this.#helloedOwn.clear();
    return { summary, shown, own };
  }
}

interface Counts {
  people: number;
  connections: number;
}

const countsKey = (counts: Counts): string => `${counts.people}/${counts.connections}`;
