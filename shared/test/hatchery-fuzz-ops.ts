import * as Y from "yjs";

/**
 * Random writes a stock Yjs client makes to a Hatchery document, with nothing but the
 * yjs API (no code of ours): notes, groups around threads, edges, moves, deletes, and
 * malformed values of every kind. Used by the unit fuzz (shared/test/hatchery-fuzz.test.ts)
 * and the room's (party/rooms/hatchery/hatchery-fuzz.room.test.ts). Each op is one transaction, so one
 * update. It never deletes another person's note: those must survive.
 */
export interface FuzzState {
  /** Domain node ids (threads) on the canvas. */
  threads: string[];
  /** Nodes this writer added (it may delete them). */
  own: string[];
  /** Another person's notes: they must survive whatever this writer does. */
  others: string[];
}

export { seeded } from "./seeded";

const pick = <T>(rng: () => number, list: readonly T[]): T | undefined => list[Math.floor(rng() * list.length)];

/** A node map as docs/architecture.md describes it, built with the yjs API alone. */
export function stockNode(fields: Record<string, unknown>): Y.Map<unknown> {
  const m = new Y.Map<unknown>();
  for (const [key, value] of Object.entries(fields)) m.set(key, value);
  return m;
}

export const noteFields = (text: string, x = 0, y = 0) => ({
  kind: "note",
  ref: null,
  x,
  y,
  w: 200,
  h: 120,
  placed: "pinned",
  parent: null,
  data: { text },
});

/** One random write; returns what it did (for a failing seed's log). */
export function randomOp(doc: Y.Doc, rng: () => number, state: FuzzState, n: number): string {
  const nodes = doc.getMap<unknown>("nodes");
  const edges = doc.getMap<unknown>("edges");
  const anyNode = () => pick(rng, [...state.threads, ...state.own, ...state.others]);
  const ops: Array<[string, () => void]> = [
    [
      "note",
      () => {
        const id = `note:f${n}`;
        nodes.set(id, stockNode(noteFields(`fuzz ${n}`, Math.floor(rng() * 2000), Math.floor(rng() * 2000))));
        state.own.push(id);
      },
    ],
    [
      "note with a live text",
      () => {
        const id = `note:t${n}`;
        const m = stockNode(noteFields(""));
        const body = new Y.Text();
        body.insert(0, `typed ${n}`);
        m.set("body", body);
        nodes.set(id, m);
        state.own.push(id);
      },
    ],
    [
      "group around a thread",
      () => {
        const thread = pick(rng, state.threads);
        const id = `group:g${n}`;
        nodes.set(
          id,
          stockNode({
            kind: "group",
            ref: null,
            x: -50,
            y: -50,
            w: 600,
            h: 400,
            placed: "pinned",
            parent: null,
            data: { label: `group ${n}` },
          }),
        );
        if (thread) (nodes.get(thread) as Y.Map<unknown> | undefined)?.set("parent", id);
        state.own.push(id);
      },
    ],
    [
      "edge",
      () => {
        const source = pick(rng, state.own) ?? anyNode();
        const target = pick(rng, state.threads);
        if (source && target)
          edges.set(`${source}->${target}`, { id: `${source}->${target}`, source, target, kind: "person" });
      },
    ],
    [
      "move",
      () => {
        const id = anyNode();
        const m = id ? nodes.get(id) : undefined;
        if (m instanceof Y.Map) {
          m.set("x", Math.floor(rng() * 3000) - 500);
          m.set("y", Math.floor(rng() * 3000) - 500);
        }
      },
    ],
    [
      "delete own",
      () => {
        const id = pick(rng, state.own);
        if (id) nodes.delete(id);
        state.own = state.own.filter((o) => o !== id);
      },
    ],
    [
      "delete a thread",
      () => {
        const id = pick(rng, state.threads);
        if (id) nodes.delete(id);
      },
    ],
    ["empty map", () => nodes.set(`note:e${n}`, new Y.Map())],
    [
      "forged thread",
      () =>
        nodes.set(
          `thread:forged${n}`,
          stockNode({
            kind: "thread",
            ref: `forged${n}`,
            x: 0,
            y: 0,
            w: 260,
            h: 120,
            placed: "auto",
            parent: null,
            data: { title: "FORGED" },
          }),
        ),
    ],
    ["plain value as a node", () => nodes.set(`note:v${n}`, rng() < 0.5 ? "not a map" : 42)],
    ["array as a node", () => nodes.set(`note:a${n}`, Y.Array.from([1, 2, 3]))],
    [
      "garbage in a thread",
      () => {
        const m = nodes.get(pick(rng, state.threads) ?? "");
        if (!(m instanceof Y.Map)) return;
        const garbage: Array<() => void> = [
          () => m.set("data", "FORGED"),
          () => m.set("data", { title: "FORGED" }),
          () => m.set("evil", { nested: true }),
          () => m.set("x", "not a number"),
          () => m.set("kind", "note"),
          () => m.set("data", new Y.Map()),
          () => m.delete("data"),
          () => m.set("parent", 12),
        ];
        pick(rng, garbage)!();
      },
    ],
    [
      "garbage in a note of one's own",
      () => {
        const m = nodes.get(pick(rng, state.own) ?? "");
        if (m instanceof Y.Map)
          m.set(
            pick(rng, ["data", "kind", "w", "body", "zzz"])!,
            pick(rng, [null, "x", -1, { text: 5 }, new Y.Text("embedded")])!,
          );
      },
    ],
    [
      "malformed edge",
      () =>
        edges.set(
          `bad${n}`,
          pick(rng, ["str", { source: 1 }, { id: `bad${n}`, source: "a", target: "b", kind: "domain" }])!,
        ),
    ],
    ["foreign root map", () => doc.getMap(`evil${n % 3}`).set("k", n)],
    ["foreign root list", () => doc.getArray("junk").push([n])],
    ["comment garbage", () => doc.getMap("comments").set(`x${n}`, { text: "no" })],
  ];
  const [name, run] = pick(rng, ops)!;
  doc.transact(run);
  return name;
}
