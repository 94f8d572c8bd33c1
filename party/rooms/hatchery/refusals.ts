import type * as Y from "yjs";
import { refuseWhole, takeBackOnly, type WriteVerdict } from "../../../shared/hatchery/client-write";
import type { HatcheryRefusal } from "../../../shared/hatchery/refusal";

/** A refusal as the room writes it (the room adds the type). */
export type Refusal = Omit<HatcheryRefusal, "type">;

/**
 * An update over the frame cap: nothing of it is applied; its clock range is kept as
 * placeholders when the socket may write (so the writer's later updates apply). Returns the
 * removal of what it wrote, for the writer, so a stock provider does not offer it again on
 * every reconnect (null when it wrote nothing new).
 */
export function takeBackOversize(doc: Y.Doc, update: Uint8Array, mayWrite: boolean): Uint8Array | null {
  return mayWrite ? refuseWhole(doc, update) : takeBackOnly(doc, update);
}

export function tooLarge(size: number, maxFrameBytes: number): Refusal {
  return { code: "payload_too_large", message: `frame of ${size} bytes is over the ${maxFrameBytes}-byte cap` };
}

/** What the writer of a repaired or refused update is told. */
export function refusalFor(verdict: WriteVerdict, maxDocBytes: number): Refusal {
  if (verdict.ok) {
    const details = verdict.repaired.slice(0, 20).map((r) => r.slice(0, 300));
    return { code: "repaired", message: "part of your change was not allowed and was set back", details };
  }
  // The writer's copy was sent the removal of what it added (docs/protocol.md): the message is for a person.
  if (verdict.code === "document_full") {
    return { code: "document_full", message: `the canvas is at its ${maxDocBytes}-byte cap: remove notes or groups` };
  }
  if (verdict.code === "read_only") return { code: "read_only", message: verdict.reason };
  const details = [verdict.reason.slice(0, 300)];
  return { code: "not_applied", message: "the room could not place it on the canvas", details };
}
