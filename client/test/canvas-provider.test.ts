// The canvas's provider (client/app/lib/canvas-provider.ts) against y-partyserver's own
// YProvider, with a WebSocket that records what is opened. The first test pins the upstream
// behaviour the wrapper exists for: YProvider's connect() awaits its params before it wants a
// socket, so a destroy in the same tick is undone. If it starts failing, upstream fixed it and
// the wrapper can go.
import YProvider from "y-partyserver/provider";
import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { openCanvasProvider } from "../app/lib/canvas-provider";

class RecordingSocket {
  static opened: RecordingSocket[] = [];
  readyState = 0;
  binaryType = "arraybuffer";
  closed = false;
  #listeners = new Map<string, Array<(event: unknown) => void>>();
  constructor(readonly url: string) {
    RecordingSocket.opened.push(this);
  }
  addEventListener(type: string, listener: (event: unknown) => void) {
    this.#listeners.set(type, [...(this.#listeners.get(type) ?? []), listener]);
  }
  send() {}
  close() {
    if (this.closed) return;
    this.closed = true;
    this.readyState = 3;
    for (const listener of this.#listeners.get("close") ?? []) listener({ code: 1000 });
  }
}

const options = { WebSocketPolyfill: RecordingSocket as never, disableBc: true, params: { refusals: "custom" } };
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe("the canvas's provider", () => {
  it("upstream: a YProvider destroyed in the tick it was made in still opens a socket, and keeps it", async () => {
    RecordingSocket.opened = [];
    const provider = new YProvider("127.0.0.1:1", "room", new Y.Doc(), options);
    provider.destroy();
    await settle();
    expect(RecordingSocket.opened).toHaveLength(1);
    expect(RecordingSocket.opened[0]!.closed).toBe(false);
    expect(provider.shouldConnect).toBe(true);
    provider.disconnect();
  });

  it("closed in the tick it was opened in, leaves no socket open and wants none", async () => {
    RecordingSocket.opened = [];
    const { provider, close } = openCanvasProvider("127.0.0.1:1", "room", new Y.Doc(), {
      WebSocketPolyfill: RecordingSocket as never,
    });
    close();
    await settle();
    expect(RecordingSocket.opened.every((socket) => socket.closed)).toBe(true);
    expect(provider.shouldConnect).toBe(false);
  });

  it("closed later, closes its socket and does not reconnect", async () => {
    RecordingSocket.opened = [];
    const { provider, close } = openCanvasProvider("127.0.0.1:1", "room", new Y.Doc(), {
      WebSocketPolyfill: RecordingSocket as never,
    });
    await settle();
    expect(RecordingSocket.opened).toHaveLength(1);
    expect(RecordingSocket.opened[0]!.url).toContain("refusals=custom");
    close();
    expect(RecordingSocket.opened[0]!.closed).toBe(true);
    expect(provider.shouldConnect).toBe(false);
  });
});
