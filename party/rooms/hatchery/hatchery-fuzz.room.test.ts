import { evictDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { domainNodeId } from "../../../shared/hatchery/graph";
import { type FuzzState, noteFields, randomOp, seeded, stockNode } from "../../../shared/test/hatchery-fuzz-ops";
import { idem, RawSocket } from "../../test/harness";
import { type Canvas, node, openCanvas, team, until } from "../../test/hatchery-harness";

// The seeded fuzz of a stock Yjs client's writes (shared/test/hatchery-fuzz-ops.ts) over
// real sockets to the real room: each seed's writer starts on a room it wakes with its
// first write (evicted while the writer's socket stays open). After each seed a fresh
// client must see every thread as the server wrote it and the other person's notes as
// they wrote them. The unit fuzz (shared/test/hatchery-fuzz.test.ts) runs many more seeds.

const THREADS = 25;
/** Seeds that once failed, kept as regressions. */
const REGRESSIONS: number[] = [];
const SEEDS = [
  ...REGRESSIONS,
  ...Array.from({ length: Number(process.env.HATCHERY_ROOM_FUZZ_SEEDS ?? 6) }, (_, i) => 1000 + i),
];
const OPS = 30;

let people: Awaited<ReturnType<typeof team>>;
let threads: Array<{ id: string; title: string }>;
let witness: Canvas;
const others = ["note:other-a", "note:other-b"];

beforeAll(async () => {
  people = await team();
  const room = await RawSocket.open(people.ws, { cookie: people.owner.cookie });
  await room.hello();
  threads = [];
  for (let i = 0; i < THREADS; i++) {
    const { thread } = await room.ok("threads.create", { title: `Fuzz ${i}`, idempotencyKey: idem() });
    threads.push({ id: domainNodeId("thread", thread.id), title: `Fuzz ${i}` });
  }
  room.close();
  witness = await openCanvas(people.ws, { cookie: people.owner.cookie });
  await until(() => threads.every((t) => node(witness, t.id) !== null), "the threads on the canvas");
  // Another person's notes, which the fuzzing writer never deletes.
  witness.doc.transact(() => {
    for (const id of others) witness.doc.getMap("nodes").set(id, stockNode(noteFields(`by the owner: ${id}`)));
  });
}, 120_000);

describe("a stock Yjs client's random writes to the room (seeded fuzz)", () => {
  it.each(SEEDS)("seed %i: every thread and the other person's notes survive for a fresh client", async (seed) => {
    const ns = (env as unknown as { Hatchery: DurableObjectNamespace }).Hatchery;
    const writer = await openCanvas(people.ws, { cookie: people.member.cookie });
    await until(() => writer.synced && others.every((id) => node(writer, id) !== null), "the writer synced");
    await evictDurableObject(ns.get(ns.idFromName(people.ws)));
    const state: FuzzState = { threads: threads.map((t) => t.id), own: [], others };
    const rng = seeded(seed);
    const log: string[] = [];
    for (let n = 0; n < OPS; n++) log.push(randomOp(writer.doc, rng, state, n));
    // A last note of the writer's own proves the room handled everything before it.
    const marker = `note:marker${seed}`;
    writer.doc.transact(() => writer.doc.getMap("nodes").set(marker, stockNode(noteFields("marker"))));
    await until(() => node(witness, marker) !== null, `the marker after ${log.join(", ")}`);
    const fresh = await openCanvas(people.ws, { cookie: people.owner.cookie });
    await fresh.whenSynced();
    expect(
      threads.filter((t) => node(fresh, t.id)?.data.title !== t.title).map((t) => t.id),
      log.join(", "),
    ).toEqual([]);
    expect(others.map((id) => node(fresh, id)?.data.text)).toEqual(others.map((id) => `by the owner: ${id}`));
    expect(writer.closed).toBeNull();
    for (const c of [writer, fresh]) c.close();
  });
});
