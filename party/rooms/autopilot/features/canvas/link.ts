import { getServerByName } from "partyserver";
import { type Hatchery, POKE_PATH } from "../../../hatchery/room";

/** How long a canvas update may wait so that a burst of commits costs one Hatchery pull. */
const HATCHERY_POKE_DELAY_MS = 100;

/**
 * The least time between two pokes while commits keep coming: a busy room's canvas trails
 * by up to this much, and its pulls cost the room a steady few instead of one per burst
 * (a chat with steady traffic is one long burst of small ones).
 */
export const HATCHERY_POKE_INTERVAL_MS = 500;

/** The Autopilot's line to its workspace's Hatchery. */
export class HatcheryLink {
  #timer: ReturnType<typeof setTimeout> | null = null;
  /** When the last poke went (never: long enough ago). */
  #poked = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly namespace: DurableObjectNamespace<Hatchery>,
    private readonly workspaceId: () => string,
  ) {}

  stub(): Promise<DurableObjectStub<Hatchery>> {
    return getServerByName(this.namespace, this.workspaceId());
  }

  /**
   * Tells the canvas there is news; it pulls the events itself (graphFeed), so a poke
   * that fails costs only latency: the Hatchery catches up on its next poke or wake.
   * Pokes are coalesced: one pull per burst, not one per event, because each pull is a
   * graphFeed call queued inside the Autopilot, on the path of the next request; and at
   * most one per HATCHERY_POKE_INTERVAL_MS.
   */
  poke(): void {
    if (this.#timer) return;
    const wait = Math.max(HATCHERY_POKE_DELAY_MS, this.#poked + HATCHERY_POKE_INTERVAL_MS - Date.now());
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#poked = Date.now();
      // One fetch, not getServerByName's two calls: a fetch starts the Hatchery by itself,
      // and in a reconnect storm the extra call was a steady share of the isolate's time.
      this.namespace
        .getByName(this.workspaceId())
        .fetch(`https://hatchery${POKE_PATH}`, { method: "POST" })
        .then((response) => {
          if (!response.ok) throw new Error(`HTTP ${response.status}`);
        })
        .catch((error: unknown) =>
          console.error(
            JSON.stringify({ msg: "hatchery poke failed", workspace: this.workspaceId(), error: String(error) }),
          ),
        );
    }, wait);
  }
}
