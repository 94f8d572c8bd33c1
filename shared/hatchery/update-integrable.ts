import * as decoding from "lib0/decoding";
import * as Y from "yjs";
import { structAt } from "./update-check";

/**
 * Whether Yjs can integrate the whole of a client's update into the room's document now.
 *
 * What Yjs cannot integrate yet it keeps aside as pending: structs that refer to something
 * the document lacks, and deletions of clocks it has not reached. It puts them in every
 * encoding of the document, so the room would store them and hand them to every newcomer,
 * unplaced and unreviewed. Honest clients never send such an update: they sync through the
 * room, and a refused update leaves placeholders (update-check.ts). So the room refuses one
 * whole before applying anything (client-write.ts) and never has pending state to drop.
 *
 * The test is Yjs's own (Item.getMissing, integrateStructs, readAndApplyDeleteSet), asked of
 * the whole update: each writer's new structs continue its history in the room without a
 * gap; a struct refers (origin, right origin, parent) only to its own writer's earlier
 * clocks or to what the room has or the update brings; those references do not go round in
 * a circle; and every deletion lands on what the room has or the update brings. An update
 * that fails it would leave something pending (or, for a reference ahead in its own
 * writer's history, make Yjs throw part-way through applying it).
 *
 * Returns why not, or null when all of it integrates.
 */
export function unintegrable(doc: Y.Doc, update: Uint8Array): string | null {
  const { structs, ds } = Y.decodeUpdate(update) as unknown as { structs: Struct[]; ds: DeleteSet };
  // Yjs keeps one block of structs per writer, the last (encoding.js, readClientsStructRefs):
  // an update with more drops the others unseen. Yjs writes one, so the room takes no other.
  const writers: number[] = [];
  for (const s of structs) if (s.id.client !== writers.at(-1)) writers.push(s.id.client);
  const blocks = decoding.readVarUint(decoding.createDecoder(update));
  if (new Set(writers).size !== writers.length || writers.length !== blocks) {
    return "the update holds more than one block of a writer's structs";
  }
  const known = (client: number) => Y.getState(doc.store, client);
  /** Per writer: the update's new structs, in clock order, and how far they reach. */
  const fresh = new Map<number, Struct[]>();
  const reach = new Map<number, number>();
  for (const s of structs) {
    const client = s.id.client;
    if (s instanceof Y.Skip || s.id.clock + s.length <= known(client)) continue;
    if (s.id.clock > (reach.get(client) ?? known(client))) {
      return "the update skips part of its writer's history the room does not have";
    }
    reach.set(client, s.id.clock + s.length);
    const list = fresh.get(client) ?? [];
    list.push(s);
    fresh.set(client, list);
  }
  const reached = (client: number) => reach.get(client) ?? known(client);

  const brought = (id: Y.ID): Struct | null => structAt(fresh.get(id.client), id.clock);
  /** What a new struct waits for in the update: its writer's struct before it, and what it refers to. */
  const waitsFor = new Map<Struct, Struct[]>();
  for (const list of fresh.values()) {
    for (const [i, s] of list.entries()) {
      const deps = i > 0 ? [list[i - 1]!] : [];
      for (const ref of references(s)) {
        if (ref.client === s.id.client) {
          if (ref.clock >= s.id.clock) return "the update refers ahead in its writer's own history";
          continue;
        }
        if (ref.clock >= reached(ref.client)) return "the update refers to something the room does not have";
        const dep = ref.clock >= known(ref.client) ? brought(ref) : null;
        if (dep) deps.push(dep);
      }
      waitsFor.set(s, deps);
    }
  }
  if (circular(waitsFor)) return "the update's references go round in a circle";

  for (const [client, deletions] of ds.clients) {
    const end = reached(client);
    if (deletions.some((d) => d.clock + d.len > end)) return "the update deletes something the room does not have";
  }
  return null;
}

type Struct = Y.Item | Y.GC | Y.Skip;
/** What Yjs decodes of an update's deletions (its DeleteSet, whose type it does not export). */
type DeleteSet = { clients: Map<number, Array<{ clock: number; len: number }>> };

/** The ids a struct refers to: an item's origin, right origin and (when written as an id) parent. */
function references(s: Struct): Y.ID[] {
  if (!(s instanceof Y.Item)) return [];
  const parent = s.parent instanceof Y.ID ? s.parent : null;
  return [s.origin, s.rightOrigin, parent].filter((id): id is Y.ID => id !== null);
}

/** Whether some struct waits, through others, on itself (a depth-first walk, without recursion). */
function circular(waitsFor: Map<Struct, Struct[]>): boolean {
  const done = new Set<Struct>();
  const onPath = new Set<Struct>();
  for (const start of waitsFor.keys()) {
    if (done.has(start)) continue;
    const path: Array<{ s: Struct; next: Struct[] }> = [{ s: start, next: [...(waitsFor.get(start) ?? [])] }];
    onPath.add(start);
    while (path.length > 0) {
      const top = path.at(-1)!;
      const dep = top.next.pop();
      if (dep === undefined) {
        onPath.delete(top.s);
        done.add(top.s);
        path.pop();
      } else if (onPath.has(dep)) {
        return true;
      } else if (!done.has(dep)) {
        onPath.add(dep);
        path.push({ s: dep, next: [...(waitsFor.get(dep) ?? [])] });
      }
    }
  }
  return false;
}
