import YProvider from "y-partyserver/provider";
import type * as Y from "yjs";

type ProviderOptions = NonNullable<ConstructorParameters<typeof YProvider>[3]>;

/**
 * The canvas's y-partyserver provider, one that stays closed once closed. YProvider's `connect()` first awaits
 * its params and only then marks itself as wanting a socket, so a provider destroyed in the
 * tick it was made in (an effect that re-runs at once) still opens a socket afterwards, and
 * keeps reconnecting to it for as long as the page lives: a second canvas connection nobody
 * owns. client/test/canvas-provider.test.ts pins that upstream behaviour.
 */
export function openCanvasProvider(
  host: string,
  room: string,
  doc: Y.Doc,
  options: ProviderOptions = {},
): { provider: YProvider; close: () => void } {
  const provider = new YProvider(host, room, doc, {
    party: "hatchery",
    protocol: typeof location !== "undefined" && location.protocol === "https:" ? "wss" : "ws",
    // Other tabs of this browser are separate people-sessions; sync through the server only.
    disableBc: true,
    maxBackoffTime: 10_000,
    params: { refusals: "custom" }, // the room's refusals as custom messages (the canvas store's onCustom)
    ...options,
    connect: false,
  });
  const connecting = provider.connect();
  let closed = false;
  void connecting.then(
    () => closed && provider.disconnect(),
    () => {},
  );
  return {
    provider,
    close: () => {
      closed = true;
      provider.destroy();
    },
  };
}
