import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { takeClientUpdate, type WriteContext } from "../hatchery/client-write";
import { nodesMap, readNode, writeNode } from "../hatchery/graph";
import type { DomainRecord } from "../hatchery/review";
import { placeUpdate } from "../hatchery/update-check";
import { noteFields, stockNode } from "./hatchery-fuzz-ops";
import { clientWriteContext } from "./canvas-nodes";

const records = new Map<string, DomainRecord>(
  Array.from({ length: 10 }, (_, i) => [`thread:t${i}`, { kind: "thread", ref: `t${i}`, data: { title: `T${i}` } }]),
);
const ROOTS = new Set(["nodes", "edges", "comments"]);

/** A server document as the room has it on waking (stored state applied: untyped roots), and a client synced with it. */
function woken(extra?: (doc: Y.Doc) => void) {
  const stored = new Y.Doc();
  stored.transact(() => {
    for (const [id, r] of records)
      writeNode(stored, {
        id,
        kind: "thread",
        ref: r.ref,
        x: 0,
        y: 300 * Number(r.ref.slice(1)),
        w: 260,
        h: 120,
        placed: "auto",
        parent: null,
        data: r.data,
      });
    extra?.(stored);
  });
  const server = new Y.Doc();
  Y.applyUpdate(server, Y.encodeStateAsUpdate(stored));
  const client = new Y.Doc();
  Y.applyUpdate(client, Y.encodeStateAsUpdate(server));
  const sent: Uint8Array[] = [];
  client.on("update", (u: Uint8Array, origin: unknown) => {
    if (origin !== "server") sent.push(u);
  });
  return { server, client, sent };
}

const ctx = (over: Partial<WriteContext> = {}): WriteContext => clientWriteContext(records, over);

describe("the Hatchery's placement of a client update", () => {
  it("a stock client's note on a woken document is taken, and no thread goes (the canvas once emptied here)", () => {
    const { server, client, sent } = woken();
    client.transact(() => nodesMap(client).set("note:n", stockNode(noteFields("hi"))));
    expect(takeClientUpdate(server, sent[0]!, ctx())).toEqual({ ok: true, repaired: [] });
    expect(nodesMap(server).size).toBe(11);
    expect(readNode("note:n", nodesMap(server).get("note:n")!).data.text).toBe("hi");
  });

  it("refuses a write outside the canvas's maps, a list entry of one, and an update after a gap in its writer's history", () => {
    const { server, client, sent } = woken();
    client.transact(() => client.getMap("evil").set("k", 1));
    expect(placeUpdate(server, sent.pop()!, ROOTS)).toEqual({
      ok: false,
      reason: 'the update writes "evil", which is no part of the canvas',
    });

    const rogue = new Y.Doc();
    rogue.getArray("nodes").push(["listed"]);
    expect(placeUpdate(server, Y.encodeStateAsUpdate(rogue), ROOTS)).toMatchObject({
      ok: false,
      reason: expect.stringContaining("list entry"),
    });

    client.transact(() => nodesMap(client).set("note:a", stockNode(noteFields("a"))));
    client.transact(() => nodesMap(client).set("note:b", stockNode(noteFields("b"))));
    const [, second] = sent.splice(0);
    expect(placeUpdate(server, second!, ROOTS)).toMatchObject({
      ok: false,
      reason: expect.stringContaining("history"),
    });
  });

  it("refuses an insertion beside what an old document holds outside the canvas's maps", () => {
    const { server, client, sent } = woken((doc) => doc.getArray("legacy").push(["old"]));
    client.transact(() => client.getArray("legacy").push(["more"]));
    expect(placeUpdate(server, sent[0]!, ROOTS)).toMatchObject({
      ok: false,
      reason: expect.stringContaining('"legacy"'),
    });
  });

  it("a refused update is taken back: the writer's copy matches the room's and its next update applies", () => {
    const { server, client, sent } = woken();
    client.transact(() => {
      client.getMap("evil").set("k", "FORGED");
      nodesMap(client).set("note:with", stockNode(noteFields("with it")));
    });
    const verdict = takeClientUpdate(server, sent.pop()!, ctx());
    expect(verdict).toMatchObject({ ok: false, code: "not_applied" });
    if (verdict.ok) return;
    expect(new TextDecoder("latin1").decode(Y.encodeStateAsUpdate(server)).includes("FORGED")).toBe(false);
    Y.applyUpdate(client, verdict.takeBack!, "server");
    expect(client.getMap("evil").size).toBe(0);
    expect(nodesMap(client).has("note:with")).toBe(false);
    client.transact(() => nodesMap(client).set("note:next", stockNode(noteFields("next"))));
    expect(takeClientUpdate(server, sent.pop()!, ctx())).toEqual({ ok: true, repaired: [] });
    expect(nodesMap(server).has("note:next")).toBe(true);
    expect(server.store.pendingStructs).toBeNull();
  });

  it("a read-only socket's write is refused and taken back; its empty sync step 2 is not a write", () => {
    const { server, client, sent } = woken();
    expect(
      takeClientUpdate(server, Y.encodeStateAsUpdate(client, Y.encodeStateVector(server)), ctx({ readOnly: true })),
    ).toEqual({ ok: true, repaired: [] });
    client.transact(() => nodesMap(client).set("note:viewer", stockNode(noteFields("viewer"))));
    const verdict = takeClientUpdate(server, sent.pop()!, ctx({ readOnly: true }));
    expect(verdict).toMatchObject({ ok: false, code: "read_only" });
    expect(nodesMap(server).has("note:viewer")).toBe(false);
    if (!verdict.ok) Y.applyUpdate(client, verdict.takeBack!, "server");
    expect(nodesMap(client).has("note:viewer")).toBe(false);
    // Its next connect's sync step 2 carries that taken-back write again, deleted: no new write.
    expect(
      takeClientUpdate(server, Y.encodeStateAsUpdate(client, Y.encodeStateVector(server)), ctx({ readOnly: true })),
    ).toEqual({ ok: true, repaired: [] });
  });

  it("a full document refuses additions but takes deletions", () => {
    const { server, client, sent } = woken((doc) => nodesMap(doc).set("note:old", stockNode(noteFields("old"))));
    client.transact(() => nodesMap(client).set("note:new", stockNode(noteFields("new"))));
    expect(takeClientUpdate(server, sent.pop()!, ctx({ roomFor: () => false }))).toMatchObject({
      ok: false,
      code: "document_full",
    });
    client.transact(() => nodesMap(client).delete("note:old"));
    expect(takeClientUpdate(server, sent.pop()!, ctx({ roomFor: () => false }))).toEqual({ ok: true, repaired: [] });
    expect(nodesMap(server).has("note:old")).toBe(false);
  });
});
