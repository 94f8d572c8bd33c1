import * as decoding from "lib0/decoding";
import { describe, expect, it } from "vitest";
import * as awarenessProtocol from "y-protocols/awareness";
import * as Y from "yjs";
import { reviewAwarenessUpdate } from "../hatchery/awareness";
import { edgesMap, type GraphNode, nodesMap, readNode, writeNode } from "../hatchery/graph";
import { parseNode } from "../hatchery/node-schemas";
import { type DomainRecord, reviewClientTransaction } from "../hatchery/review";
import { domainNode, noteNode } from "./canvas-nodes";

const THREAD: DomainRecord = { kind: "thread", ref: "t1", data: { title: "Launch", messageCount: 1 } };
const ctx = {
  domainRecord: (id: string) => (id === "thread:t1" ? THREAD : null),
  maxPersonNodes: 3,
  maxEdges: 3,
  comments: { principal: { id: "u_ann", name: "Ann" }, now: 1_000_000 },
};

/** A server document with one domain thread and one note, and a client synced with it. */
function setup() {
  const server = new Y.Doc();
  server.transact(() => {
    writeNode(server, domainNode("thread:t1", "thread", "t1", THREAD.data));
    writeNode(server, noteNode("note:a", "hi", { x: 10, y: 10 }));
    edgesMap(server).set("thread:t1->note:a", {
      id: "thread:t1->note:a",
      source: "thread:t1",
      target: "note:a",
      kind: "domain",
      label: "x",
    });
  });
  const client = new Y.Doc();
  Y.applyUpdate(client, Y.encodeStateAsUpdate(server));
  const sent: Uint8Array[] = [];
  client.on("update", (u: Uint8Array) => sent.push(u));
  /** Applies what the client sent since the last call as the room does; returns what the room would broadcast and the refusals. */
  const deliver = () => {
    const broadcast: Uint8Array[] = [];
    const listener = (u: Uint8Array) => broadcast.push(u);
    server.on("update", listener);
    let refusals: string[] = [];
    for (const u of sent.splice(0)) {
      server.transact((tr) => {
        Y.applyUpdate(server, u, "client");
        refusals = refusals.concat(reviewClientTransaction(server, tr, ctx));
      }, "client");
    }
    server.off("update", listener);
    return { refusals, broadcast };
  };
  return { server, client, deliver };
}

const nodeOf = (doc: Y.Doc, id: string): GraphNode | null => {
  const m = nodesMap(doc).get(id);
  return m ? readNode(id, m) : null;
};
const bytesContain = (updates: Uint8Array[], marker: string) =>
  updates.some((u) => new TextDecoder("latin1").decode(u).includes(marker));

describe("the Hatchery's review of client writes", () => {
  it("sets a domain node's data back and never lets the forged value out", () => {
    const { server, client, deliver } = setup();
    nodesMap(client)
      .get("thread:t1")!
      .set("data", { title: "x", lastMessage: { author: { FORGED: 1 } } });
    nodesMap(client).get("thread:t1")!.set("x", 500);
    const { refusals, broadcast } = deliver();
    expect(refusals).toEqual(['thread:t1: "data" is the server\'s']);
    expect(nodeOf(server, "thread:t1")).toMatchObject({ x: 500, data: THREAD.data });
    expect(bytesContain(broadcast, "FORGED")).toBe(false);
    expect(bytesContain([Y.encodeStateAsUpdate(server)], "FORGED")).toBe(false);
  });

  it("deletes invented domain nodes, brings back deleted ones, and keeps domain edges", () => {
    const { server, client, deliver } = setup();
    client.transact(() => {
      writeNode(client, domainNode("instance:fake", "instance", "fake", { resolvedBy: "Bob" }));
      writeNode(client, domainNode("note:b", "instance", "z", {}));
      nodesMap(client).delete("thread:t1");
      edgesMap(client).delete("thread:t1->note:a");
    });
    const { refusals } = deliver();
    expect(refusals.length).toBe(4);
    expect(nodeOf(server, "instance:fake")).toBeNull();
    expect(nodeOf(server, "note:b")).toBeNull();
    expect(nodeOf(server, "thread:t1")).toMatchObject({ x: 0, y: 0, data: THREAD.data });
    expect(edgesMap(server).get("thread:t1->note:a")).toMatchObject({ kind: "domain" });
  });

  it("repairs people's nodes to their schema and caps counts", () => {
    const { server, client, deliver } = setup();
    const note = nodesMap(client).get("note:a")!;
    note.set("data", { text: "t".repeat(5000) });
    note.set("x", "1e999");
    note.set("evil", "x");
    client.transact(() => {
      for (const id of ["note:c", "note:d", "note:e"]) writeNode(client, noteNode(id, id));
      edgesMap(client).set("e1", { id: "e1", source: "note:a", target: "note:c", kind: "person" });
      edgesMap(client).set("e2", { id: "e2", source: "note:a", target: "note:d", kind: "domain" });
      client.getMap("elsewhere").set("k", "v");
    });
    const { refusals } = deliver();
    expect(nodeOf(server, "note:a")).toMatchObject({ x: 10, data: { text: "hi" } });
    expect(nodesMap(server).get("note:a")!.has("evil")).toBe(false);
    expect(["note:c", "note:d", "note:e"].filter((id) => nodeOf(server, id))).toHaveLength(2); // cap 3 with note:a
    expect(edgesMap(server).get("e1")).toBeDefined();
    expect(edgesMap(server).get("e2")).toBeUndefined();
    expect(server.getMap("elsewhere").size).toBe(0);
    expect(refusals.join("\n")).toMatch(/at most 3 notes[\s\S]*invalid edge/);
  });

  it("the app's read-time parse refuses what the schemas refuse", () => {
    const base = { x: 0, y: 0, w: 240, h: 96, placed: "auto", parent: null };
    expect(
      parseNode("thread:t", {
        ...base,
        kind: "thread",
        ref: "t",
        data: { lastMessage: { author: { a: 1 }, text: "x" } },
      }),
    ).toBeNull();
    expect(parseNode("note:n", { ...base, kind: "instance", ref: null, data: {} })).toBeNull();
    // Kinds that fold into their subject (graph.ts FOLDED_KINDS) are not nodes any more.
    expect(parseNode("approval:a", { ...base, kind: "approval", ref: "a", data: {} })).toBeNull();
    expect(
      parseNode("thread:t", {
        ...base,
        kind: "thread",
        ref: "t",
        data: { title: "ok", lastMessage: { author: "Ann", text: "x", at: 1 } },
      }),
    ).not.toBeNull();
  });
});

describe("the Hatchery's review of presence", () => {
  const principal = { id: "u1", name: "Ann", kind: "user" };
  const encode = (clientId: number, state: unknown) => {
    const a = new awarenessProtocol.Awareness(new Y.Doc());
    a.clientID = clientId;
    a.setLocalState(state as Record<string, unknown>);
    const bytes = awarenessProtocol.encodeAwarenessUpdate(a, [clientId]);
    a.destroy();
    return bytes;
  };
  const stateOf = (bytes: Uint8Array) => {
    const d = decoding.createDecoder(bytes);
    decoding.readVarUint(d);
    decoding.readVarUint(d);
    decoding.readVarUint(d);
    return JSON.parse(decoding.readVarString(d));
  };

  it("keeps cursor and selection, writes name and colour itself", () => {
    const verdict = reviewAwarenessUpdate(
      encode(7, {
        cursor: { x: 1, y: 2 },
        selection: ["note:a"],
        user: { id: "u2", name: "Bob", color: "url(http://x)" },
        extra: 1,
      }),
      { bound: null, takenByOther: () => false },
      principal,
      2048,
    );
    expect(verdict.ok).toBe(true);
    if (verdict.ok)
      expect(stateOf(verdict.update!)).toEqual({
        // The person's id is the room's too (a forged one is not kept): who-is-here groups by it.
        user: { id: "u1", name: "Ann", kind: "user", color: expect.any(Number) },
        cursor: { x: 1, y: 2 },
        selection: ["note:a"],
        viewport: null,
        caret: null,
      });
  });

  it("never applies another socket's client id or a second id; refuses oversize states", () => {
    expect(
      reviewAwarenessUpdate(encode(7, {}), { bound: null, takenByOther: (id) => id === 7 }, principal, 2048),
    ).toEqual({ ok: true, clientId: null, update: null });
    expect(reviewAwarenessUpdate(encode(8, {}), { bound: 7, takenByOther: () => false }, principal, 2048)).toEqual({
      ok: true,
      clientId: 7,
      update: null,
    });
    expect(
      reviewAwarenessUpdate(
        encode(7, { junk: "j".repeat(5000) }),
        { bound: 7, takenByOther: () => false },
        principal,
        2048,
      ).ok,
    ).toBe(false);
  });
});
