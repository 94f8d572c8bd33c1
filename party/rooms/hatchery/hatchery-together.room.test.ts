import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { type Comment, commentKey, commentsMap, commentsOn } from "../../../shared/hatchery/comments";
import { nodesMap, writeNode } from "../../../shared/hatchery/graph";
import { NOTE_TEXT_MAX } from "../../../shared/hatchery/node-schemas";
import { ensureNoteBody, NOTE_BODY, noteTextOf } from "../../../shared/hatchery/note-text";
import { type Canvas, node, openCanvas, team, until } from "../../test/hatchery-harness";
import { noteNode } from "../../../shared/test/canvas-nodes";

// Working together through the real room: a note's text as a Y.Text, comments, viewports
// in presence. Each hostile write is refused or set back, and nothing of it reaches anyone.

const latin1 = new TextDecoder("latin1");
const sawOnWire = (c: Canvas, marker: string) => c.frames.some((f) => latin1.decode(f).includes(marker));
const text = (c: Canvas, id: string) => {
  const m = nodesMap(c.doc).get(id);
  return m ? noteTextOf(m) : null;
};
const body = (c: Canvas, id: string) => nodesMap(c.doc).get(id)!.get(NOTE_BODY) as Y.Text;

async function twoOnOneNote() {
  const t = await team();
  const ann = await openCanvas(t.ws, { cookie: t.member.cookie });
  const own = await openCanvas(t.ws, { cookie: t.owner.cookie });
  await until(() => ann.synced && own.synced, "synced");
  const id = `note:${crypto.randomUUID().slice(0, 8)}`;
  // An old-style note: its text in data (as notes were written before, and as agents write them).
  ann.doc.transact(() => writeNode(ann.doc, noteNode(id, "Plan")));
  await until(() => node(own, id) !== null, "note shared");
  return { ...t, ann, own, id };
}

describe("notes typed together", () => {
  it("keystrokes of two people merge; typing past the limit is set back for the writer and reaches no one", async () => {
    const { ann, own, id } = await twoOnOneNote();
    ann.doc.transact(() => ensureNoteBody(nodesMap(ann.doc).get(id)!).insert(4, ": ship"));
    await until(() => text(own, id) === "Plan: ship", "the body reached the owner");
    body(ann, id).insert(10, " Friday");
    body(own, id).insert(0, "# ");
    await until(
      () => text(own, id) === "# Plan: ship Friday" && text(ann, id) === "# Plan: ship Friday",
      "both edits merged on both sides",
    );

    body(ann, id).insert(0, `OVERFLOW${"x".repeat(NOTE_TEXT_MAX)}`);
    await until(() => text(ann, id) === "# Plan: ship Friday", "the writer's copy set back");
    expect(ann.refusals().some((r) => r.code === "repaired")).toBe(true);
    // An embed is not text either.
    body(ann, id).insertEmbed(0, { EMBEDDED: true });
    await until(() => body(ann, id).toDelta().length === 1, "the embed set back");
    body(ann, id).insert(0, "ok ");
    await until(() => text(own, id) === "ok # Plan: ship Friday", "a later edit still goes through");
    expect(sawOnWire(own, "OVERFLOW")).toBe(false);
    expect(sawOnWire(own, "EMBEDDED")).toBe(false);
    expect(ann.closed).toBeNull();
    ann.close();
    own.close();
  });
});

describe("comments through the room", () => {
  it("a comment in one's own name reaches everyone; a forged author or someone else's deletion is set back", async () => {
    const { ann, own, id, member, owner, ws, viewer } = await twoOnOneNote();
    const c = (over: Partial<Comment>): Comment => ({
      id: "c1",
      node: id,
      author: { id: member.userId, name: member.name },
      text: "Looks good",
      at: Date.now(),
      ...over,
    });
    commentsMap(ann.doc).set(commentKey(id, "c1"), c({}));
    await until(() => commentsOn(own.doc, id).length === 1, "the comment reached the owner");
    expect(commentsOn(own.doc, id)[0]).toMatchObject({
      author: { id: member.userId, name: member.name },
      text: "Looks good",
    });

    commentsMap(ann.doc).set(
      commentKey(id, "c2"),
      c({ id: "c2", author: { id: owner.userId, name: owner.name }, text: "FORGED_AUTHOR" }),
    );
    await until(() => !commentsMap(ann.doc).has(commentKey(id, "c2")), "the forged comment set back for its writer");
    // The owner tries to delete the member's comment, and to edit it.
    commentsMap(own.doc).delete(commentKey(id, "c1"));
    await until(() => commentsMap(own.doc).has(commentKey(id, "c1")), "the deletion set back");
    commentsMap(own.doc).set(commentKey(id, "c1"), { ...c({}), text: "EDITED_BY_OTHER" });
    await until(() => commentsOn(own.doc, id)[0]?.text === "Looks good", "the edit set back");
    expect(sawOnWire(own, "FORGED_AUTHOR")).toBe(false);
    expect(sawOnWire(ann, "EDITED_BY_OTHER")).toBe(false);
    expect(commentsOn(ann.doc, id).map((x) => x.text)).toEqual(["Looks good"]);

    // A viewer's comment is not taken: read-only sockets do not write.
    const vic = await openCanvas(ws, { cookie: viewer.cookie });
    await until(() => vic.synced, "viewer synced");
    commentsMap(vic.doc).set(
      commentKey(id, "v1"),
      c({ id: "v1", author: { id: viewer.userId, name: viewer.name }, text: "VIEWER_COMMENT" }),
    );
    // Frames of one socket are handled in order: once the viewer's next presence reaches the
    // owner, its comment was handled before.
    vic.awareness.setLocalStateField("cursor", { x: 4242, y: 1 });
    await until(
      () => [...own.awareness.getStates().values()].some((s) => (s as { cursor?: { x: number } }).cursor?.x === 4242),
      "the viewer's presence after its comment",
    );
    expect(commentsMap(own.doc).has(commentKey(id, "v1"))).toBe(false);
    expect(sawOnWire(own, "VIEWER_COMMENT")).toBe(false);

    // The author deletes it.
    commentsMap(ann.doc).delete(commentKey(id, "c1"));
    await until(() => commentsOn(own.doc, id).length === 0, "the author's deletion reached the owner");
    for (const s of [ann, own, vic]) s.close();
  });
});

describe("viewports and carets in presence", () => {
  it("a viewport reaches the others bounded; a hostile one reaches them as nothing", async () => {
    const { ann, own, id } = await twoOnOneNote();
    const annState = () =>
      [...own.awareness.getStates().entries()].find(([clientId]) => clientId === ann.awareness.clientID)?.[1] as
        | Record<string, unknown>
        | undefined;
    ann.awareness.setLocalStateField("viewport", { x: 10, y: 20, w: 1280, h: 800, zoom: 1 });
    await until(() => (annState()?.viewport as { w?: number } | null | undefined)?.w === 1280, "viewport at the owner");
    ann.awareness.setLocalStateField("viewport", { x: 0, y: 0, w: 1e12, h: 1, zoom: 1, HOSTILE_VIEW: "x" });
    await until(() => annState() !== undefined && annState()!.viewport === null, "the hostile viewport dropped");
    ann.doc.transact(() => ensureNoteBody(nodesMap(ann.doc).get(id)!));
    const anchor = Y.relativePositionToJSON(Y.createRelativePositionFromTypeIndex(body(ann, id), 2));
    ann.awareness.setLocalStateField("caret", { node: id, anchor, head: anchor });
    await until(() => (annState()?.caret as { node?: string } | null | undefined)?.node === id, "caret at the owner");
    expect(sawOnWire(own, "HOSTILE_VIEW")).toBe(false);
    ann.close();
    own.close();
  });
});
