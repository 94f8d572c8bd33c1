import { describe, expect, it } from "vitest";
import { nodesMap, writeNode } from "../../../shared/hatchery/graph";
import { NOTE_TEXT_MAX } from "../../../shared/hatchery/node-schemas";
import { node, team, until, syncedCanvases } from "../../test/hatchery-harness";
import { noteNode } from "../../../shared/test/canvas-nodes";

// A note's text in `data.text`, written whole: how notes were written before their text
// became a Y.Text (hatchery-together.room.test.ts), and how such notes still read and write.
// The room reviews each write like any other.

/** What the app's setNodeData does: the note's data with the new text, in one transaction. */
function writeText(doc: import("yjs").Doc, id: string, text: string) {
  doc.transact(() => {
    const m = nodesMap(doc).get(id)!;
    m.set("data", { ...((m.get("data") as Record<string, unknown>) ?? {}), text });
  });
}

describe("notes written as whole texts", () => {
  it("every burst reaches the others in order; a text over the note's limit is set back and reaches no one", async () => {
    const { ws, owner, member } = await team();
    const [writer, reader] = await syncedCanvases(ws, { cookie: member.cookie }, { cookie: owner.cookie });
    const id = "note:typing";
    writer.doc.transact(() => writeNode(writer.doc, noteNode(id, "")));
    await until(() => node(reader, id) !== null, "note shared");

    let longest = 0;
    nodesMap(reader.doc).observeDeep(() => {
      longest = Math.max(longest, String(node(reader, id)?.data.text ?? "").length);
    });
    const typed = "Ship it on Friday";
    for (let i = 1; i <= typed.length; i++) {
      writeText(writer.doc, id, typed.slice(0, i));
      // The reader sees each burst before the next one is typed: the text is live.
      await until(() => node(reader, id)?.data.text === typed.slice(0, i), `burst ${i}`);
    }

    writeText(writer.doc, id, "x".repeat(NOTE_TEXT_MAX + 1));
    await until(() => node(writer, id)?.data.text === typed, "the writer's copy set back");
    expect(writer.refusals().some((r) => r.code === "repaired")).toBe(true);
    // The limit itself is allowed.
    writeText(writer.doc, id, "y".repeat(NOTE_TEXT_MAX));
    await until(() => node(reader, id)?.data.text === "y".repeat(NOTE_TEXT_MAX), "a note at the limit shared");
    expect(longest).toBe(NOTE_TEXT_MAX);
    expect(writer.closed).toBeNull();
    writer.close();
    reader.close();
  });
});
