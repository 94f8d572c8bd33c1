import { getServerByName } from "partyserver";
import { type Hatchery, POKE_PATH } from "../hatchery/room";

/** How long a canvas update may wait so that a burst of commits costs one Hatchery pull. */
const HATCHERY_POKE_DELAY_MS = 100;

/** The Autopilot's line to its workspace's Hatchery. */
export class HatcheryLink {
  #timer: ReturnType<typeof setTimeout> | null = null;

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
   * graphFeed call queued inside the Autopilot, on the path of the next request.
   */
  poke(): void {
    if (this.#timer) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      // One fetch, not getServerByName's two calls: a fetch starts the Hatchery by itself,
      // and in a reconnect storm the extra call was a steady share of the isolate's time.
      this.namespace
        .getByName(this.workspaceId())
        .fetch(`https://hatchery${POKE_PATH}`, { method: "POST" })
        .then((response) => {
          if (!response.ok) throw new Error(`HTTP ${response.status}`);
        })
        .catch((error: unknown) => console.error(JSON.stringify({ msg: "hatchery poke failed", workspace: this.workspaceId(), error: String(error) })));
    }, HATCHERY_POKE_DELAY_MS);
  }
}
