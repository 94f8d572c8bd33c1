import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { nodesMap, writeNode } from "../../../shared/hatchery/graph";
import { updateFrame } from "./client-frames";
import type { Hatchery } from "./room";
import { type Canvas, forgeUpdate, node, openCanvas, team, until, syncedCanvases } from "../../test/hatchery-harness";
import { noteNode } from "../../../shared/test/canvas-nodes";

// Updates no Yjs client writes, which Yjs could not apply whole: it would keep part of one
// aside as pending (and put that in every encoding of the document), or throw part-way
// through, after some of it was in. The room refuses each whole before applying any of it
// (shared/hatchery/update-integrable.ts).

const hatchery = (ws: string) => {
  const ns = (env as unknown as { Hatchery: DurableObjectNamespace }).Hatchery;
  return ns.get(ns.idFromName(ws));
};

const latin1 = new TextDecoder("latin1");
const sawOnWire = (c: Canvas, marker: string) => c.frames.some((f) => latin1.decode(f).includes(marker));

const FORGED = [
  // A reference ahead in its writer's own history: Yjs throws after taking the first struct.
  forgeUpdate([
    {
      client: 9001,
      clock: 0,
      items: [
        { parent: "nodes", key: "note:ahead", value: "FORGED_AHEAD" },
        { origin: [9001, 3], value: "x" },
        { parent: "nodes", key: "note:a2", value: 2 },
        { parent: "nodes", key: "note:a3", value: 3 },
      ],
    },
  ]),
  // Waits on a struct the room does not have.
  forgeUpdate([
    {
      client: 9002,
      clock: 0,
      items: [
        { parent: "nodes", key: "note:waiting", value: 1 },
        { origin: [9002, 0], right: [9777, 5], value: "FORGED_WAITING" },
      ],
    },
  ]),
  // Deletes clocks the room does not have.
  forgeUpdate([{ client: 9003, clock: 0, items: [{ parent: "nodes", key: "note:d", value: 1 }] }], [[9555, 0, 10]]),
  // Two blocks of one writer: Yjs keeps the last, whose first struct then waits on the other's.
  forgeUpdate([
    { client: 9004, clock: 0, items: [{ parent: "nodes", key: "note:b1", value: "FORGED_FIRST" }] },
    { client: 9004, clock: 1, items: [{ parent: "nodes", key: "note:b2", value: "FORGED_SECOND" }] },
  ]),
  // Two writers' structs waiting on each other.
  forgeUpdate([
    {
      client: 9005,
      clock: 0,
      items: [
        { origin: [9006, 0], value: "FORGED_CIRCLE" },
        { parent: "nodes", key: "note:c", value: 1 },
      ],
    },
    { client: 9006, clock: 0, items: [{ origin: [9005, 1], value: 2 }] },
  ]),
];

describe("updates Yjs could not apply whole", () => {
  it("are refused whole and taken back: none reaches anyone or storage; the room keeps nothing aside", async () => {
    const { ws, owner, member } = await team();
    const [forger, other] = await syncedCanvases(ws, { cookie: owner.cookie }, { cookie: member.cookie });
    for (const update of FORGED) forger.ws.send(updateFrame(update));
    await until(() => forger.refusals().length >= FORGED.length, "a refusal for each");
    expect(forger.refusals().map((r) => r.code)).toEqual(FORGED.map(() => "not_applied"));
    expect(forger.closed).toBeNull();

    // Later writes of the forger's socket land.
    const id = "note:after-forgeries";
    forger.doc.transact(() => writeNode(forger.doc, noteNode(id, "honest")));
    await until(() => node(other, id) !== null, "a later note at the other");
    expect(sawOnWire(other, "FORGED")).toBe(false);
    const pending = await runInDurableObject(hatchery(ws), (room: Hatchery) => {
      const { pendingStructs, pendingDs } = room.document.store;
      return { pendingStructs, pendingDs, forged: [...nodesMap(room.document).keys()].filter((k) => k !== id) };
    });
    expect(pending).toEqual({ pendingStructs: null, pendingDs: null, forged: [] });

    await evictDurableObject(hatchery(ws));
    const reloaded = await openCanvas(ws, { cookie: member.cookie });
    await reloaded.whenSynced();
    expect(sawOnWire(reloaded, "FORGED")).toBe(false);
    expect(node(reloaded, id)).not.toBeNull();
    for (const c of [forger, other, reloaded]) c.close();
  });
});
