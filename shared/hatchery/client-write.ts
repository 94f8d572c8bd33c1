import * as Y from "yjs";
import { CANVAS_ROOTS, type ReviewContext, reviewClientTransaction } from "./review";
import { addsLive, deletesSomething, deletionUpdate, newRanges, placeholderUpdate, placeUpdate } from "./update-check";
import { unintegrable } from "./update-integrable";

/** Origin of the placeholders a refused update leaves (update-check.ts). */
export const REFUSED_ORIGIN = "hatchery-refused";

export type WriteVerdict =
  | { ok: true; repaired: string[] }
  | {
      ok: false;
      code: "not_applied" | "read_only" | "document_full";
      reason: string;
      /** For the writer only: the deletion of what it wrote, so its copy drops it (null when it wrote nothing new). */
      takeBack: Uint8Array | null;
    };

export interface WriteContext extends ReviewContext {
  /** The transaction origin of the write (the room's connection). */
  origin: unknown;
  /** The socket may only read: nothing it sends is applied. */
  readOnly: boolean;
  /** Whether the document may grow by this many bytes. */
  roomFor(bytes: number): boolean;
}

/**
 * One client update, as the Hatchery takes it: placed first (update-check.ts) and checked to
 * integrate whole (update-integrable.ts), so what cannot be placed, would be left pending or
 * would overflow the document is refused whole and taken back; else applied and reviewed in
 * one transaction (review.ts), so what is stored and broadcast is already repaired.
 */
export function takeClientUpdate(doc: Y.Doc, update: Uint8Array, ctx: WriteContext): WriteVerdict {
  if (ctx.readOnly) {
    if (!addsLive(doc, update) && !deletesSomething(doc, update)) return { ok: true, repaired: [] };
    const reason = "this socket only reads: the write was not applied";
    return { ok: false, code: "read_only", reason, takeBack: takeBackOnly(doc, update) };
  }
  const placement = placeUpdate(doc, update, CANVAS_ROOTS);
  const unfit = placement.ok ? unintegrable(doc, update) : placement.reason;
  if (unfit !== null) return refused(doc, update, "not_applied", unfit);
  // Deletions alone always go through: they are how a full document makes room.
  const full = placement.ok && placement.inserts && !ctx.roomFor(update.byteLength);
  if (full) return refused(doc, update, "document_full", "");
  let repaired: string[] = [];
  doc.transact((tr) => {
    Y.applyUpdate(doc, update, ctx.origin);
    repaired = reviewClientTransaction(doc, tr, ctx);
  }, ctx.origin);
  return { ok: true, repaired };
}

function refused(doc: Y.Doc, update: Uint8Array, code: "not_applied" | "document_full", reason: string): WriteVerdict {
  return { ok: false, code, reason, takeBack: refuseWhole(doc, update) };
}

/**
 * Refuses an update whole: none of its content is applied; its new clock range is kept as
 * placeholders, so the writer's later updates still apply; returns the writer's take-back.
 */
export function refuseWhole(doc: Y.Doc, update: Uint8Array): Uint8Array | null {
  const ranges = newRanges(doc, update);
  const placeholders = placeholderUpdate(doc, ranges);
  if (placeholders) Y.applyUpdate(doc, placeholders, REFUSED_ORIGIN);
  return ranges.length > 0 ? deletionUpdate(ranges) : null;
}

/** The take-back of an update the room does not keep at all (a read-only socket's). */
export function takeBackOnly(doc: Y.Doc, update: Uint8Array): Uint8Array | null {
  const ranges = newRanges(doc, update);
  return ranges.length > 0 ? deletionUpdate(ranges) : null;
}
