import * as Y from "yjs";
import { CANVAS_ROOTS, type ReviewContext, reviewClientTransaction } from "./review";
import { addsLive, deletesSomething, deletionUpdate, newRanges, placeholderUpdate, placeUpdate } from "./update-check";

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
 * One client update, as the Hatchery takes it: placed first (update-check.ts), so what
 * cannot be placed or would overflow the document is refused whole and taken back; else
 * applied and reviewed in one transaction (review.ts), so what is stored and broadcast is
 * already repaired.
 */
export function takeClientUpdate(doc: Y.Doc, update: Uint8Array, ctx: WriteContext): WriteVerdict {
  if (ctx.readOnly) {
    if (!addsLive(doc, update) && !deletesSomething(doc, update)) return { ok: true, repaired: [] };
    return { ok: false, code: "read_only", reason: "this socket only reads: the write was not applied", takeBack: takeBackOnly(doc, update) };
  }
  const placement = placeUpdate(doc, update, CANVAS_ROOTS);
  if (!placement.ok) return { ok: false, code: "not_applied", reason: placement.reason, takeBack: refuseWhole(doc, update) };
  // Deletions alone always go through: they are how a full document makes room.
  if (placement.inserts && !ctx.roomFor(update.byteLength)) return { ok: false, code: "document_full", reason: "", takeBack: refuseWhole(doc, update) };
  let repaired: string[] = [];
  doc.transact((tr) => {
    Y.applyUpdate(doc, update, ctx.origin);
    repaired = reviewClientTransaction(doc, tr, ctx);
  }, ctx.origin);
  dropPending(doc);
  return { ok: true, repaired };
}

/**
 * Refuses an update whole: none of its content is applied; its new clock range is kept as
 * placeholders, so the writer's later updates still apply; returns the writer's take-back.
 */
export function refuseWhole(doc: Y.Doc, update: Uint8Array): Uint8Array | null {
  const ranges = newRanges(doc, update);
  const placeholders = placeholderUpdate(doc, ranges);
  if (placeholders) Y.applyUpdate(doc, placeholders, REFUSED_ORIGIN);
  dropPending(doc);
  return ranges.length > 0 ? deletionUpdate(ranges) : null;
}

/** The take-back of an update the room does not keep at all (a read-only socket's). */
export function takeBackOnly(doc: Y.Doc, update: Uint8Array): Uint8Array | null {
  const ranges = newRanges(doc, update);
  return ranges.length > 0 ? deletionUpdate(ranges) : null;
}

/**
 * Honest clients never send an update whose dependencies the room lacks (they sync
 * through it, and a refused update leaves placeholders); pending structs could only come
 * from a forger, and would otherwise be stored and handed to every newcomer.
 */
function dropPending(doc: Y.Doc): boolean {
  if (!doc.store.pendingStructs && !doc.store.pendingDs) return false;
  doc.store.pendingStructs = null;
  doc.store.pendingDs = null;
  return true;
}
