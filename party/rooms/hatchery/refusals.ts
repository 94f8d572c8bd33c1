import * as decoding from "lib0/decoding";
import * as encoding from "lib0/encoding";
import type { Connection } from "partyserver";
import * as syncProtocol from "y-protocols/sync";
import type * as Y from "yjs";
import { refuseWhole, takeBackOnly, type WriteVerdict } from "../../../shared/hatchery/client-write";
import { type HatcheryRefusal, REFUSAL_PREFIX, refusalFrame } from "../../../shared/hatchery/refusal";

const MESSAGE_SYNC = 0;

/** A Yjs update as a sync-protocol frame. */
export function updateFrame(update: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, MESSAGE_SYNC);
  syncProtocol.writeUpdate(encoder, update);
  return encoding.toUint8Array(encoder);
}

/**
 * Sends a refusal the way the client reads it (shared/hatchery/refusal.ts): a custom
 * message to y-partyserver's provider, a y-protocols auth message to any other.
 */
export function sendRefusal(conn: Connection, refusal: HatcheryRefusal, custom: boolean): void {
  try {
    conn.send(custom ? `${REFUSAL_PREFIX}${JSON.stringify(refusal)}` : refusalFrame(refusal));
  } catch {
    // closing socket: nothing to tell
  }
}

/**
 * An update frame over the frame cap: nothing of it is applied; its clock range is kept as
 * placeholders when the socket may write (so the writer's later updates apply), and the
 * writer is sent the removal of what it wrote, so a stock provider does not offer it again
 * on every reconnect. False if the frame is no update (the caller hangs up).
 */
export function refuseOversizeUpdate(doc: Y.Doc, frame: Uint8Array, mayWrite: boolean, send: (frame: Uint8Array) => void): boolean {
  const decoder = decoding.createDecoder(frame);
  if (decoding.readVarUint(decoder) !== MESSAGE_SYNC) return false;
  const kind = decoding.readVarUint(decoder);
  if (kind !== syncProtocol.messageYjsSyncStep2 && kind !== syncProtocol.messageYjsUpdate) return false;
  const update = decoding.readVarUint8Array(decoder);
  const takeBack = mayWrite ? refuseWhole(doc, update) : takeBackOnly(doc, update);
  if (takeBack) send(updateFrame(takeBack));
  return true;
}

/** What the writer of a repaired or refused update is told. */
export function refusalFor(verdict: WriteVerdict, maxDocBytes: number): Omit<HatcheryRefusal, "type"> {
  if (verdict.ok) {
    return { code: "repaired", message: "part of your change was not allowed and was set back", details: verdict.repaired.slice(0, 20).map((r) => r.slice(0, 300)) };
  }
  // The writer's copy was sent the removal of what it added (docs/protocol.md): the message is for a person.
  if (verdict.code === "document_full") return { code: "document_full", message: `the canvas is at its ${maxDocBytes}-byte cap: remove notes or groups` };
  if (verdict.code === "read_only") return { code: "read_only", message: verdict.reason };
  return { code: "not_applied", message: "the room could not place it on the canvas", details: [verdict.reason.slice(0, 300)] };
}
