import * as decoding from "lib0/decoding";
import { describe, expect, it } from "vitest";
import * as awarenessProtocol from "y-protocols/awareness";
import * as Y from "yjs";
import { PresenceState, reviewAwarenessUpdate } from "../hatchery/awareness";
import { type Comment, commentKey, commentsMap, commentsOn } from "../hatchery/comments";
import { nodesMap, readNode, writeNode } from "../hatchery/graph";
import { NOTE_TEXT_MAX, parseNode } from "../hatchery/node-schemas";
import { ensureNoteBody, NOTE_BODY, noteTextOf, textSplice } from "../hatchery/note-text";
import { reviewClientTransaction } from "../hatchery/review";
import { groupNode, noteNode } from "./canvas-nodes";
import { noteFields } from "./hatchery-fuzz-ops";

// Working together on the canvas: a note's text as a Y.Text, comments, viewports and carets
// in presence. Each rule is what the room's review does to a client's transaction.

const NOW = 1_000_000;

/** A server document with a note (old style: text in data) and a group; clients synced with it. */
function setup() {
  const server = new Y.Doc();
  server.transact(() => {
    writeNode(server, noteNode("note:a", "hi", { x: 10, y: 10 }));
    writeNode(server, groupNode("group:g", "G", { w: 400, h: 300 }));
    writeNode(server, {
      id: "thread:t1",
      kind: "thread",
      ref: "t1",
      x: 500,
      y: 0,
      w: 240,
      h: 96,
      placed: "auto",
      parent: null,
      data: { title: "T" },
    });
  });
  const client = (principal: { id: string; name: string }) => {
    const doc = new Y.Doc();
    Y.applyUpdate(doc, Y.encodeStateAsUpdate(server));
    const sent: Uint8Array[] = [];
    doc.on("update", (u: Uint8Array, origin: unknown) => {
      if (origin !== "room") sent.push(u);
    });
    /** The room takes what this client sent, reviews it, and every client gets the result. */
    const deliver = (others: Y.Doc[] = []) => {
      let refusals: string[] = [];
      const out: Uint8Array[] = [];
      const listener = (u: Uint8Array) => out.push(u);
      server.on("update", listener);
      for (const u of sent.splice(0)) {
        server.transact((tr) => {
          Y.applyUpdate(server, u, "client");
          refusals = refusals.concat(
            reviewClientTransaction(server, tr, {
              domainRecord: (id) => (id === "thread:t1" ? { kind: "thread", ref: "t1", data: { title: "T" } } : null),
              maxPersonNodes: 10,
              maxEdges: 10,
              comments: { principal, now: NOW },
            }),
          );
        }, "client");
      }
      server.off("update", listener);
      for (const d of [doc, ...others]) for (const u of out) Y.applyUpdate(d, u, "room");
      return refusals;
    };
    return { doc, deliver };
  };
  return { server, client };
}

const text = (doc: Y.Doc, id: string) => noteTextOf(nodesMap(doc).get(id)!);

describe("a note's text as a Y.Text", () => {
  it("an old note moves into a body on its first edit; two people's keystrokes merge", () => {
    const { server, client } = setup();
    const ann = client({ id: "u_ann", name: "Ann" });
    const ben = client({ id: "u_ben", name: "Ben" });
    ann.doc.transact(() => ensureNoteBody(nodesMap(ann.doc).get("note:a")!).insert(2, " there"));
    expect(ann.deliver([ben.doc])).toEqual([]);
    expect(text(server, "note:a")).toBe("hi there");
    expect(readNode("note:a", nodesMap(server).get("note:a")!).data.text).toBe("hi there");
    // Both type at once, at either end: nothing is lost.
    (nodesMap(ann.doc).get("note:a")!.get(NOTE_BODY) as Y.Text).insert(0, "Ann: ");
    (nodesMap(ben.doc).get("note:a")!.get(NOTE_BODY) as Y.Text).insert(8, "!");
    ann.deliver([ben.doc]);
    ben.deliver([ann.doc]);
    expect(text(server, "note:a")).toBe("Ann: hi there!");
    expect(text(ann.doc, "note:a")).toBe("Ann: hi there!");
    expect(text(ben.doc, "note:a")).toBe("Ann: hi there!");
  });

  it("typing past the note's limit, embeds and formats are set back; a body on a group or thread goes", () => {
    const { server, client } = setup();
    const ann = client({ id: "u_ann", name: "Ann" });
    ann.doc.transact(() => ensureNoteBody(nodesMap(ann.doc).get("note:a")!));
    ann.deliver();
    const body = nodesMap(ann.doc).get("note:a")!.get(NOTE_BODY) as Y.Text;
    body.insert(2, "x".repeat(NOTE_TEXT_MAX));
    expect(ann.deliver()).toEqual(['note:a: invalid "body"']);
    expect(text(server, "note:a")).toBe("hi");
    expect(text(ann.doc, "note:a")).toBe("hi");
    body.insertEmbed(0, { evil: 1 });
    body.format(0, 2, { bold: true });
    expect(ann.deliver().length).toBeGreaterThan(0);
    expect(text(server, "note:a")).toBe("hi");
    expect(body.toDelta()).toEqual([{ insert: "hi" }]);
    // The limit itself is fine.
    body.insert(2, "y".repeat(NOTE_TEXT_MAX - 2));
    expect(ann.deliver()).toEqual([]);
    expect(text(server, "note:a")).toHaveLength(NOTE_TEXT_MAX);
    nodesMap(ann.doc).get("group:g")!.set(NOTE_BODY, new Y.Text("label?"));
    nodesMap(ann.doc).get("thread:t1")!.set(NOTE_BODY, new Y.Text("forged"));
    nodesMap(ann.doc).get("note:a")!.set(NOTE_BODY, "a string, not a text");
    const refusals = ann.deliver();
    expect(refusals.join("\n")).toMatch(/group:g: no field "body"/);
    expect(refusals.join("\n")).toMatch(/thread:t1: no field "body"/);
    expect(nodesMap(server).get("group:g")!.has(NOTE_BODY)).toBe(false);
    expect(nodesMap(server).get("thread:t1")!.has(NOTE_BODY)).toBe(false);
    expect(nodesMap(server).get("note:a")!.has(NOTE_BODY)).toBe(false);
  });

  it("the app's parse reads the body, and refuses a body over the limit", () => {
    const base = noteFields("old");
    expect(parseNode("note:n", { ...base, body: "new" })?.data.text).toBe("new");
    expect(parseNode("note:n", base)?.data.text).toBe("old");
    expect(parseNode("note:n", { ...base, body: "z".repeat(NOTE_TEXT_MAX + 1) })).toBeNull();
  });

  it("an input event's edit is one splice, placed by the caret", () => {
    expect(textSplice("hello", "hello!")).toEqual({ at: 5, remove: 0, insert: "!" });
    expect(textSplice("hello", "hllo", 1)).toEqual({ at: 1, remove: 1, insert: "" });
    expect(textSplice("aa", "aaa", 1)).toEqual({ at: 0, remove: 0, insert: "a" });
    expect(textSplice("one two", "one 2", 5)).toEqual({ at: 4, remove: 3, insert: "2" });
    expect(textSplice("", "pasted")).toEqual({ at: 0, remove: 0, insert: "pasted" });
  });
});

describe("comments on a node", () => {
  const comment = (over: Partial<Comment> = {}): Comment => ({
    id: "c1",
    node: "note:a",
    author: { id: "u_ann", name: "Ann" },
    text: "Looks good",
    at: NOW,
    ...over,
  });
  const put = (doc: Y.Doc, c: Comment) => commentsMap(doc).set(commentKey(c.node, c.id), c);

  it("a person comments in their own name; a forged author, a bad time or a missing node is refused", () => {
    const { server, client } = setup();
    const ann = client({ id: "u_ann", name: "Ann" });
    put(ann.doc, comment());
    put(ann.doc, comment({ id: "c2", author: { id: "u_ben", name: "Ben" } }));
    put(ann.doc, comment({ id: "c3", author: { id: "u_ann", name: "Ben" } }));
    put(ann.doc, comment({ id: "c4", at: NOW + 3_600_000 }));
    put(ann.doc, comment({ id: "c5", node: "note:gone" }));
    put(ann.doc, comment({ id: "c6", text: "t".repeat(5000) }));
    commentsMap(ann.doc).set("note:a|c7", { ...comment({ id: "c7" }), html: "<b>" } as Comment);
    const refusals = ann.deliver();
    expect(refusals).toHaveLength(6);
    expect(commentsOn(server, "note:a").map((c) => c.id)).toEqual(["c1"]);
    expect(commentsOn(ann.doc, "note:a").map((c) => c.id)).toEqual(["c1"]);
  });

  it("only the author deletes a comment, and nobody edits one", () => {
    const { server, client } = setup();
    const ann = client({ id: "u_ann", name: "Ann" });
    const ben = client({ id: "u_ben", name: "Ben" });
    put(ann.doc, comment());
    put(ann.doc, comment({ id: "c2", text: "second" }));
    expect(ann.deliver([ben.doc])).toEqual([]);
    commentsMap(ben.doc).delete(commentKey("note:a", "c1"));
    put(ben.doc, comment({ id: "c2", text: "rewritten by Ben" }));
    expect(ben.deliver([ann.doc])).toHaveLength(2);
    expect(commentsOn(server, "note:a").map((c) => c.text)).toEqual(["Looks good", "second"]);
    expect(commentsOn(ben.doc, "note:a").map((c) => c.text)).toEqual(["Looks good", "second"]);
    commentsMap(ann.doc).delete(commentKey("note:a", "c1"));
    expect(ann.deliver([ben.doc])).toEqual([]);
    expect(commentsOn(server, "note:a").map((c) => c.id)).toEqual(["c2"]);
  });
});

describe("viewports, carets and tidy-ups in presence", () => {
  const principal = { id: "u1", name: "Ann", kind: "user" };
  const encode = (state: unknown) => {
    const a = new awarenessProtocol.Awareness(new Y.Doc());
    a.clientID = 7;
    a.setLocalState(state as Record<string, unknown>);
    const bytes = awarenessProtocol.encodeAwarenessUpdate(a, [7]);
    a.destroy();
    return bytes;
  };
  const reviewed = (state: unknown, writes = true) => {
    const binding = { bound: 7, takenByOther: () => false };
    const verdict = reviewAwarenessUpdate(encode(state), binding, principal, 2048, writes);
    if (!verdict.ok || !verdict.update) throw new Error("refused");
    const d = decoding.createDecoder(verdict.update);
    for (let i = 0; i < 3; i++) decoding.readVarUint(d);
    return JSON.parse(decoding.readVarString(d));
  };

  it("keeps a bounded viewport and caret; drops anything else in them", () => {
    const caret = {
      node: "note:a",
      anchor: { type: { client: 1, clock: 2 }, tname: null, item: { client: 3, clock: 4 }, assoc: 0 },
      head: { item: null, type: { client: 1, clock: 2 } },
    };
    const state = reviewed({ viewport: { x: -10, y: 20, w: 1440, h: 900, zoom: 0.5 }, caret });
    expect(state.viewport).toEqual({ x: -10, y: 20, w: 1440, h: 900, zoom: 0.5 });
    expect(state.caret).toEqual(caret);
    expect(reviewed({ viewport: { x: 0, y: 0, w: -1, h: 1, zoom: 1 } }).viewport).toBeNull();
    expect(reviewed({ viewport: { x: 0, y: 0, w: 1, h: 1, zoom: 1e9 } }).viewport).toBeNull();
    expect(reviewed({ viewport: "url(javascript:x)" }).viewport).toBeNull();
    expect(reviewed({ caret: { ...caret, anchor: { ...caret.anchor, evil: "<script>" } } }).caret).toBeNull();
    expect(reviewed({ caret: { ...caret, node: "n".repeat(500) } }).caret).toBeNull();
    expect(reviewed({ caret: { ...caret, head: { item: { client: -1, clock: 0 } } } }).caret).toBeNull();
  });

  it("keeps a writer's tidy-up count, bounded; a socket that only reads has none", () => {
    expect(reviewed({ tidied: 3 }).tidied).toBe(3);
    expect(reviewed({}).tidied).toBeUndefined();
    for (const bad of [-1, 1.5, 1e12, "3", { n: 3 }]) expect(reviewed({ tidied: bad }).tidied).toBeUndefined();
    expect(reviewed({ tidied: 3 }, false).tidied).toBeUndefined();
    expect(PresenceState.parse({ ...reviewed({ tidied: 3 }) }).tidied).toBe(3);
  });
});
