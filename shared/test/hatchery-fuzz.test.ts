import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { takeClientUpdate } from "../hatchery/client-write";
import { edgesMap, nodesMap, readGraph, readNode, writeNode } from "../hatchery/graph";
import type { DomainRecord } from "../hatchery/review";
import { type FuzzState, noteFields, randomOp, seeded, stockNode } from "./hatchery-fuzz-ops";
import { clientWriteContext } from "./canvas-nodes";

// A stock Yjs client's random writes, taken as the room takes them (client-write.ts), on a
// server document built the way the room builds it on waking: by applying its stored
// state, so its root maps are untyped until something asks for them. Every domain node and
// every other person's note must survive, and the client's copy must end where the
// server's is. The room runs the same ops over real sockets (party/rooms/hatchery/hatchery-fuzz.room.test.ts).

const THREADS = 25;
/** Seeds that once failed, kept as regressions. */
const REGRESSIONS: number[] = [];
const SEEDS = [
  ...REGRESSIONS,
  ...Array.from({ length: Number(process.env.HATCHERY_FUZZ_SEEDS ?? 150) }, (_, i) => i + 1),
];
const OPS = 40;

const threadId = (i: number) => `thread:t${i}`;
const records = new Map<string, DomainRecord>(
  Array.from({ length: THREADS }, (_, i) => [
    threadId(i),
    { kind: "thread", ref: `t${i}`, data: { title: `Thread ${i}` } },
  ]),
);

/** The stored state of a canvas with 25 threads and another person's two notes. */
function storedCanvas(): Uint8Array {
  const doc = new Y.Doc();
  doc.transact(() => {
    for (const [id, r] of records)
      writeNode(doc, {
        id,
        kind: r.kind,
        ref: r.ref,
        x: 300 * Number(r.ref.slice(1)),
        y: 0,
        w: 260,
        h: 120,
        placed: "auto",
        parent: null,
        data: r.data,
      });
    nodesMap(doc).set("note:other1", stockNode(noteFields("Other's first")));
    nodesMap(doc).set("note:other2", stockNode(noteFields("Other's second")));
  });
  return Y.encodeStateAsUpdate(doc);
}

/** The graph in id order (a map's iteration order depends on how its entries arrived). */
function sorted(doc: Y.Doc) {
  const { nodes, edges } = readGraph(doc);
  const byId = (a: { id: string }, b: { id: string }) => a.id.localeCompare(b.id);
  return { nodes: nodes.sort(byId), edges: edges.sort(byId) };
}

function run(seed: number) {
  const server = new Y.Doc();
  Y.applyUpdate(server, storedCanvas());
  const client = new Y.Doc();
  const toClient: Uint8Array[] = [];
  server.on("update", (u: Uint8Array) => toClient.push(u));
  Y.applyUpdate(client, Y.encodeStateAsUpdate(server), "server");
  toClient.length = 0;
  const sent: Uint8Array[] = [];
  client.on("update", (u: Uint8Array, origin: unknown) => {
    if (origin !== "server") sent.push(u);
  });
  const deliver = () => {
    for (const update of sent.splice(0)) {
      const verdict = takeClientUpdate(
        server,
        update,
        clientWriteContext(records, {
          maxPersonNodes: 2000,
          maxEdges: 5000,
          comments: { principal: { id: "u_writer", name: "Writer" }, now: 1_000_000 },
        }),
      );
      if (!verdict.ok && verdict.takeBack) toClient.push(verdict.takeBack);
    }
    for (const update of toClient.splice(0)) Y.applyUpdate(client, update, "server");
  };
  const state: FuzzState = { threads: [...records.keys()], own: [], others: ["note:other1", "note:other2"] };
  const log: string[] = [];
  const rng = seeded(seed);
  for (let n = 0; n < OPS; n++) {
    log.push(randomOp(client, rng, state, n));
    if (rng() < 0.7) deliver();
  }
  deliver();
  return { server, client, log };
}

describe("a stock Yjs client's random writes (seeded fuzz)", () => {
  it.each(SEEDS)(
    "seed %i: every domain node and every other person's note survives, and the writer's copy matches the room's",
    (seed) => {
      const { server, client, log } = run(seed);
      const nodes = nodesMap(server);
      for (const [id, record] of records) {
        const m = nodes.get(id);
        expect(m instanceof Y.Map, `${id} after ${log.join(", ")}`).toBe(true);
        expect(readNode(id, m!)).toMatchObject({ kind: "thread", ref: record.ref, data: record.data });
      }
      expect(readNode("note:other1", nodes.get("note:other1")!).data.text).toBe("Other's first");
      expect(readNode("note:other2", nodes.get("note:other2")!).data.text).toBe("Other's second");
      expect([...server.share.keys()].filter((k) => !["nodes", "edges", "comments"].includes(k))).toEqual([]);
      for (const [, value] of edgesMap(server))
        expect(value).toMatchObject({ kind: expect.stringMatching(/^(person|domain)$/) });
      // A fresh client reads what the room has; the writer's own copy ended there too.
      const fresh = new Y.Doc();
      Y.applyUpdate(fresh, Y.encodeStateAsUpdate(server));
      expect(sorted(client), log.join(", ")).toEqual(sorted(fresh));
    },
  );
});
