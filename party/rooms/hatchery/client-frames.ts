import * as decoding from "lib0/decoding";
import * as encoding from "lib0/encoding";
import type { Connection } from "partyserver";
import * as syncProtocol from "y-protocols/sync";
import * as Y from "yjs";

/** The y-websocket message types y-partyserver speaks (it does not export its constants). */
const MESSAGE_SYNC = 0;
const MESSAGE_AWARENESS = 1;

/**
 * A client's binary frame, read as far as the room needs to route it (room.ts, onMessage):
 * - `update`, a sync step 2 or update: the room takes it itself, reviewed in the transaction
 *   that applies it (y-partyserver has no hook for that);
 * - `presence`, an awareness update: reviewed, then handed to y-partyserver rewritten;
 * - `syncStep1`: handed to y-partyserver as it came. Its state vector is read here, so a
 *   frame y-partyserver would fail on (and only log) gets the room's typed refusal instead;
 * - `unknown`: a message type y-partyserver does not speak.
 */
export type ClientFrame = Carrying<"update"> | Carrying<"presence"> | SyncStep1 | { kind: "unknown"; type: number };
/** An update or a presence frame: the Yjs or awareness update it carries. */
type Carrying<Kind extends string> = { kind: Kind; update: Uint8Array };
type SyncStep1 = { kind: "syncStep1" };

/** Throws on a frame that cannot be read. */
export function readClientFrame(frame: Uint8Array): ClientFrame {
  const decoder = decoding.createDecoder(frame);
  const type = decoding.readVarUint(decoder);
  if (type === MESSAGE_AWARENESS) return { kind: "presence", update: decoding.readVarUint8Array(decoder) };
  if (type !== MESSAGE_SYNC) return { kind: "unknown", type };
  const step = decoding.readVarUint(decoder);
  const payload = decoding.readVarUint8Array(decoder);
  if (step === syncProtocol.messageYjsSyncStep1) {
    Y.decodeStateVector(payload);
    return { kind: "syncStep1" };
  }
  if (step === syncProtocol.messageYjsSyncStep2 || step === syncProtocol.messageYjsUpdate) {
    return { kind: "update", update: payload };
  }
  throw new Error(`unknown sync message ${step}`);
}

/** A Yjs update as a sync-protocol frame. */
export function updateFrame(update: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, MESSAGE_SYNC);
  syncProtocol.writeUpdate(encoder, update);
  return encoding.toUint8Array(encoder);
}

/** An awareness update as a frame. */
export function presenceFrame(update: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, MESSAGE_AWARENESS);
  encoding.writeVarUint8Array(encoder, update);
  return encoding.toUint8Array(encoder);
}

/** Sends a frame the room made to one socket, which may be closing (its close handler cleans up). */
export function sendFrame(conn: Connection, frame: Uint8Array): void {
  try {
    conn.send(frame);
  } catch {
    // closing socket: nothing to tell
  }
}
