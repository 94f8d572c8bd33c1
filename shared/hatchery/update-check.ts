import * as encoding from "lib0/encoding";
import * as Y from "yjs";

/**
 * What the Hatchery checks of a client's Yjs update *before* applying it, and how it takes
 * back one it refuses whole.
 *
 * Placement: every struct the update inserts must land as a keyed entry of one of the
 * canvas's root maps (or under one): its parent is a root's name, a type the room has or
 * the update brings, or (with no parent written) that of its left or right neighbour. An
 * update that writes anywhere else, as a list entry of a root map, or next to something
 * the room does not have is refused whole: the review inside the transaction
 * (review.ts) only ever sees what it can place. Deletions need no placement: a deletion
 * in a root map changes that map, which the review then sees and checks.
 *
 * Taking back: a Yjs client whose update the room dropped would have every later update of
 * its own wait on the dropped one, and a stock provider offers the dropped one again on
 * every reconnect. So the room keeps the refused clock range as garbage-collected
 * placeholders (no content) and sends the writer a deletion of that range: its copy drops
 * what was refused and both sides go on in step.
 */

/** A range of one Yjs client's clock. */
export interface ClockRange {
  client: number;
  clock: number;
  length: number;
}

export type Placement = { ok: true; inserts: boolean } | { ok: false; reason: string };

type Struct = Y.Item | Y.GC | Y.Skip;
/** Where a struct lands: a root and whether directly in it (with the key it sits under), or nowhere (integrates as garbage). */
type Place = { root: string; direct: boolean; key: string | null } | "gone";

class Unplaceable extends Error {}

/** Any Yjs shared type, through the fields every one of them has. */
interface YType {
  _map: Map<string, Y.Item>;
  _item: Y.Item | null;
}

/** The name of the root a type hangs under; null if none. */
export function rootOf(doc: Y.Doc, type: object): { name: string; top: object } | null {
  let top = type as YType;
  while (top._item) top = top._item.parent as unknown as YType;
  for (const [name, root] of doc.share) {
    // By identity, or by its entries: `getMap` replaces an untyped root that an update
    // created (`doc.get`) by a Y.Map sharing the same entries, and items, changed-type
    // records and events made before still point at the old object.
    if ((root as unknown) === top || (root as unknown as YType)._map === top._map) return { name, top };
  }
  return null;
}

/**
 * The struct of a writer's list (in clock order, maybe with gaps) that holds `clock`, or null.
 * A binary search, as a forged update may hold tens of thousands. Not Yjs's findIndexSS:
 * that one expects a store's gapless list and fails on a clock past its end.
 */
export function structAt<S extends { id: Y.ID; length: number }>(
  list: readonly S[] | undefined,
  clock: number,
): S | null {
  if (!list) return null;
  let low = 0;
  let high = list.length - 1;
  while (low <= high) {
    const mid = (low + high) >> 1;
    const s = list[mid]!;
    if (clock < s.id.clock) high = mid - 1;
    else if (clock >= s.id.clock + s.length) low = mid + 1;
    else return s;
  }
  return null;
}

export function placeUpdate(doc: Y.Doc, update: Uint8Array, roots: ReadonlySet<string>): Placement {
  const { structs } = Y.decodeUpdate(update) as { structs: Struct[] };
  const byClient = new Map<number, Struct[]>();
  for (const s of structs) {
    const list = byClient.get(s.id.client) ?? [];
    list.push(s);
    byClient.set(s.id.client, list);
  }
  const places = new Map<Struct, Place>();

  const inUpdate = (id: Y.ID): Struct | null => structAt(byClient.get(id.client), id.clock);
  const inDoc = (id: Y.ID): Y.Item | Y.GC | null =>
    id.clock < Y.getState(doc.store, id.client) ? (Y.getItem(doc.store, id) as Y.Item | Y.GC) : null;
  const docPlace = (item: Y.Item | Y.GC): Place => {
    if (!(item instanceof Y.Item) || !item.parent) return "gone";
    const root = rootOf(doc, item.parent);
    if (!root) throw new Unplaceable("next to something under no root");
    return { root: root.name, direct: !(item.parent as unknown as YType)._item, key: item.parentSub };
  };
  /** The place of what a reference (parent or neighbour) points at: the room's own first, else the update's. */
  const referenced = (id: Y.ID): { place: Place; struct: Struct } => {
    const known = inDoc(id);
    if (known) return { place: docPlace(known), struct: known };
    const brought = inUpdate(id);
    if (!brought || brought instanceof Y.Skip) throw new Unplaceable("next to something the room does not have");
    return { place: placeOf(brought), struct: brought };
  };
  const placeOf = (s: Struct): Place => {
    const done = places.get(s);
    if (done) return done;
    if (!(s instanceof Y.Item)) return "gone";
    places.set(s, "gone"); // a reference cycle places nothing
    let place: Place;
    const parent = s.parent as unknown;
    if (typeof parent === "string") place = { root: parent, direct: true, key: s.parentSub };
    else if (parent instanceof Y.ID) {
      const { place: above, struct } = referenced(parent);
      if (above === "gone" || !(struct instanceof Y.Item) || struct.content instanceof Y.ContentDeleted) place = "gone";
      else if (!(struct.content instanceof Y.ContentType))
        throw new Unplaceable("inside something that is not a shared type");
      else place = { root: above.root, direct: false, key: null };
    } else {
      const neighbour = s.origin ?? s.rightOrigin;
      if (!neighbour) throw new Unplaceable("with neither a parent nor a neighbour");
      place = referenced(neighbour).place;
    }
    places.set(s, place);
    return place;
  };

  let inserts = false;
  try {
    for (const [client, list] of byClient) {
      let next = Y.getState(doc.store, client);
      for (const s of list) {
        if (s instanceof Y.Skip) continue;
        if (s.id.clock > next) throw new Unplaceable("skips part of its writer's history the room does not have");
        next = Math.max(next, s.id.clock + s.length);
      }
    }
    for (const s of structs) {
      if (!(s instanceof Y.Item) || s.id.clock + s.length <= Y.getState(doc.store, s.id.client)) continue;
      inserts = true;
      const place = placeOf(s);
      if (place === "gone") continue;
      if (!roots.has(place.root))
        throw new Unplaceable(`writes "${place.root.slice(0, 60)}", which is no part of the canvas`);
      if (place.direct && place.key === null)
        throw new Unplaceable(`writes a list entry into "${place.root}", which holds keyed entries only`);
    }
  } catch (error) {
    if (error instanceof Unplaceable) return { ok: false, reason: `the update ${error.message}` };
    throw error;
  }
  return { ok: true, inserts };
}

/**
 * Whether an update adds anything it does not itself delete: a client's sync step 2 carries
 * every struct the room lacks, so a read-only socket's old, taken-back writes come again
 * (deleted) on each connect, and are no new write.
 */
export function addsLive(doc: Y.Doc, update: Uint8Array): boolean {
  const { structs, ds } = Y.decodeUpdate(update) as unknown as {
    structs: Struct[];
    ds: { clients: Map<number, Array<{ clock: number; len: number }>> };
  };
  const covered = (client: number, start: number, end: number) => {
    const deletions = ds.clients.get(client) ?? [];
    let low = 0;
    let high = deletions.length - 1;
    while (low <= high) {
      const mid = (low + high) >> 1;
      const d = deletions[mid]!;
      if (start < d.clock) high = mid - 1;
      else if (start >= d.clock + d.len) low = mid + 1;
      else return end <= d.clock + d.len;
    }
    return false;
  };
  return structs.some((s) => {
    if (!(s instanceof Y.Item)) return false;
    const start = Math.max(s.id.clock, Y.getState(doc.store, s.id.client));
    return start < s.id.clock + s.length && !covered(s.id.client, start, s.id.clock + s.length);
  });
}

/** Whether an update deletes anything the room has and has not deleted. */
export function deletesSomething(doc: Y.Doc, update: Uint8Array): boolean {
  const { ds } = Y.decodeUpdate(update) as unknown as {
    ds: { clients: Map<number, Array<{ clock: number; len: number }>> };
  };
  for (const [client, deletions] of ds.clients) {
    const structs = doc.store.clients.get(client);
    if (!structs) continue;
    const state = Y.getState(doc.store, client);
    for (const { clock, len } of deletions) {
      if (clock >= state) continue;
      for (let i = Y.findIndexSS(structs, clock); i < structs.length && structs[i]!.id.clock < clock + len; i++)
        if (!structs[i]!.deleted) return true;
    }
  }
  return false;
}

/** The clock ranges an update would add to `doc` (what the room has already is not refused). */
export function newRanges(doc: Y.Doc, update: Uint8Array): ClockRange[] {
  const { structs } = Y.decodeUpdate(update) as { structs: Struct[] };
  const ranges: ClockRange[] = [];
  for (const s of structs) {
    if (s instanceof Y.Skip) continue;
    const start = Math.max(s.id.clock, Y.getState(doc.store, s.id.client));
    const end = s.id.clock + s.length;
    if (start >= end) continue;
    const last = ranges.at(-1);
    if (last && last.client === s.id.client && last.clock + last.length === start) last.length += end - start;
    else ranges.push({ client: s.id.client, clock: start, length: end - start });
  }
  return ranges;
}

/**
 * An update holding a content-less placeholder (a GC struct) for each range that starts
 * where the room's copy of its client ends (a range after a gap could not be applied).
 */
export function placeholderUpdate(doc: Y.Doc, ranges: ClockRange[]): Uint8Array | null {
  const fitting = ranges.filter((r) => r.clock === Y.getState(doc.store, r.client));
  if (fitting.length === 0) return null;
  // Yjs's update format (v1): per client the struct count, the client, the first clock,
  // then each struct (a GC struct: info 0 and its length); then the delete set (none).
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, fitting.length);
  for (const r of fitting) {
    encoding.writeVarUint(encoder, 1);
    encoding.writeVarUint(encoder, r.client);
    encoding.writeVarUint(encoder, r.clock);
    encoding.writeUint8(encoder, 0);
    encoding.writeVarUint(encoder, r.length);
  }
  encoding.writeVarUint(encoder, 0);
  return encoding.toUint8Array(encoder);
}

/** An update that only deletes the given ranges (no structs): what the writer's copy applies to drop a refused write. */
export function deletionUpdate(ranges: ClockRange[]): Uint8Array {
  const byClient = new Map<number, ClockRange[]>();
  for (const r of ranges) byClient.set(r.client, [...(byClient.get(r.client) ?? []), r]);
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, 0);
  encoding.writeVarUint(encoder, byClient.size);
  for (const [client, list] of byClient) {
    encoding.writeVarUint(encoder, client);
    encoding.writeVarUint(encoder, list.length);
    for (const r of list) {
      encoding.writeVarUint(encoder, r.clock);
      encoding.writeVarUint(encoder, r.length);
    }
  }
  return encoding.toUint8Array(encoder);
}
