// A minimal y-websocket-protocol client over any WHATWG-style WebSocket (workerd's from
// SELF.fetch in tests, `ws` in the benchmark). The provider packages need a constructible
// WebSocket, which the workerd test runtime does not have.
import * as decoding from "lib0/decoding";
import * as encoding from "lib0/encoding";
import * as awarenessProtocol from "y-protocols/awareness";
import * as syncProtocol from "y-protocols/sync";
import * as Y from "yjs";

const MESSAGE_SYNC = 0;
const MESSAGE_AWARENESS = 1;
const MESSAGE_QUERY_AWARENESS = 3;
const REMOTE = Symbol("remote");

export class YSyncClient {
  doc = new Y.Doc();
  awareness = new awarenessProtocol.Awareness(this.doc);
  synced = false;
  closed = null;
  #onSynced = [];

  constructor(ws) {
    this.ws = ws;
    ws.binaryType = "arraybuffer";
    // Only on an open socket: the awareness renews its state on a timer, which can fire
    // before a socket opened under load (a `ws` socket throws then) or after it closed.
    const send = (bytes) => {
      if (this.closed === null && ws.readyState === 1) ws.send(bytes);
    };
    ws.addEventListener("message", (e) => {
      if (typeof e.data === "string") return; // custom messages
      const decoder = decoding.createDecoder(new Uint8Array(e.data));
      const type = decoding.readVarUint(decoder);
      if (type === MESSAGE_SYNC) {
        const encoder = encoding.createEncoder();
        encoding.writeVarUint(encoder, MESSAGE_SYNC);
        const kind = syncProtocol.readSyncMessage(decoder, encoder, this.doc, REMOTE);
        if (kind === syncProtocol.messageYjsSyncStep2 && !this.synced) {
          this.synced = true;
          for (const resolve of this.#onSynced.splice(0)) resolve();
        }
        if (encoding.length(encoder) > 1) ws.send(encoding.toUint8Array(encoder));
      } else if (type === MESSAGE_AWARENESS) {
        awarenessProtocol.applyAwarenessUpdate(this.awareness, decoding.readVarUint8Array(decoder), REMOTE);
      } else if (type === MESSAGE_QUERY_AWARENESS) {
        // As y-websocket's provider answers: every state it knows.
        const encoder = encoding.createEncoder();
        encoding.writeVarUint(encoder, MESSAGE_AWARENESS);
        const clients = [...this.awareness.getStates().keys()];
        encoding.writeVarUint8Array(encoder, awarenessProtocol.encodeAwarenessUpdate(this.awareness, clients));
        send(encoding.toUint8Array(encoder));
      }
    });
    ws.addEventListener("close", (e) => {
      this.closed = { code: e.code, reason: e.reason };
      // Its renewal timer would otherwise send on the closed socket.
      this.awareness.destroy();
    });
    this.doc.on("update", (update, origin) => {
      if (origin === REMOTE) return;
      const encoder = encoding.createEncoder();
      encoding.writeVarUint(encoder, MESSAGE_SYNC);
      syncProtocol.writeUpdate(encoder, update);
      send(encoding.toUint8Array(encoder));
    });
    this.awareness.on("update", ({ added, updated, removed }, origin) => {
      if (origin === REMOTE) return;
      const encoder = encoding.createEncoder();
      encoding.writeVarUint(encoder, MESSAGE_AWARENESS);
      encoding.writeVarUint8Array(
        encoder,
        awarenessProtocol.encodeAwarenessUpdate(this.awareness, [...added, ...updated, ...removed]),
      );
      send(encoding.toUint8Array(encoder));
    });
    const start = () => {
      const encoder = encoding.createEncoder();
      encoding.writeVarUint(encoder, MESSAGE_SYNC);
      syncProtocol.writeSyncStep1(encoder, this.doc);
      ws.send(encoding.toUint8Array(encoder));
    };
    // workerd sockets from SELF.fetch are open once accepted; `ws` sockets open later.
    if (ws.readyState === 1) start();
    else ws.addEventListener("open", start, { once: true });
  }

  /** Resolves when the server's full state (sync step 2) has been applied. */
  whenSynced() {
    return this.synced ? Promise.resolve() : new Promise((resolve) => this.#onSynced.push(resolve));
  }

  close() {
    this.awareness.destroy();
    try {
      this.ws.close(1000, "bye");
    } catch {
      // already closed
    }
  }
}
