import { type RefObject, useEffect } from "react";
import * as Y from "yjs";
import { nodesMap } from "../../../shared/hatchery/graph";
import { noteBody, noteTextOf } from "../../../shared/hatchery/note-text";
import { useCanvas } from "../stores/canvas";
import { useTogether } from "../stores/together";

/**
 * Binds a note's text field to the note's Y.Text (shared/hatchery/note-text.ts): every
 * input goes out as the one splice it made, so two people typing in the same note merge
 * their keystrokes; a remote change rewrites the field and keeps this person's selection
 * where it was in the text (Y.RelativePosition). The caret is published in presence for
 * the others to see. ⌘Z / Ctrl+Z in the field is the canvas's undo (this tab's changes
 * only), not the browser's, which would not know about the others' edits.
 *
 * Not y-textarea: its writes carry no transaction origin, so the undo manager could not
 * tell them from the others' and they could not be undone.
 */
export function useNoteText(id: string, field: RefObject<HTMLTextAreaElement | null>, enabled = true): void {
  const doc = useCanvas((s) => s.doc);
  useEffect(() => {
    const el = field.current;
    if (!doc || !el || !enabled) return;
    const node = () => nodesMap(doc).get(id);
    const { editNote, setCaret, undo, redo } = useTogether.getState();
    // The value is set by script (which marks the field changed, so React keeping its
    // defaultValue in step with the text never resets the value or the caret).
    const show = (text: string) => {
      el.defaultValue = text;
      el.value = text;
    };
    show(
      (() => {
        const m = node();
        return m ? noteTextOf(m) : "";
      })(),
    );
    const relJson = (body: Y.Text, index: number) =>
      Y.relativePositionToJSON(Y.createRelativePositionFromTypeIndex(body, index));
    const publishCaret = () => {
      const body = node() && noteBody(node()!);
      if (!body || document.activeElement !== el) return;
      setCaret({ node: id, anchor: relJson(body, el.selectionStart), head: relJson(body, el.selectionEnd) });
    };
    let saved: { body: Y.Text; start: Y.RelativePosition; end: Y.RelativePosition } | null = null;
    const beforeTransaction = () => {
      const body = node() && noteBody(node()!);
      saved =
        body && document.activeElement === el
          ? {
              body,
              start: Y.createRelativePositionFromTypeIndex(body, el.selectionStart),
              end: Y.createRelativePositionFromTypeIndex(body, el.selectionEnd),
            }
          : null;
    };
    const afterTransaction = () => {
      const m = node();
      if (!m) return;
      const text = noteTextOf(m);
      if (el.value === text) return;
      const focused = document.activeElement === el;
      const start = el.selectionStart;
      const end = el.selectionEnd;
      show(text);
      if (!focused) return;
      const body = noteBody(m);
      const at = (rel: Y.RelativePosition | undefined, fallback: number) => {
        const abs = rel && body === saved?.body ? Y.createAbsolutePositionFromRelativePosition(rel, doc) : null;
        return Math.min(abs?.type === body ? abs.index : fallback, text.length);
      };
      el.setSelectionRange(at(saved?.start, start), at(saved?.end, end));
    };
    const onInput = () => {
      editNote(id, el.value, el.selectionEnd);
      publishCaret();
    };
    const onKeyDown = (e: KeyboardEvent) => {
      if (!(e.metaKey || e.ctrlKey) || e.altKey) return;
      const key = e.key.toLowerCase();
      if (key !== "z" && key !== "y") return;
      e.preventDefault();
      if (key === "y" || e.shiftKey) redo();
      else undo();
    };
    const onBlur = () => setCaret(null);
    const listeners: Array<[string, (e: never) => void]> = [
      ["input", onInput],
      ["keydown", onKeyDown],
      ["keyup", publishCaret],
      ["mouseup", publishCaret],
      ["focus", publishCaret],
      ["blur", onBlur],
    ];
    doc.on("beforeTransaction", beforeTransaction);
    doc.on("afterTransaction", afterTransaction);
    for (const [type, listener] of listeners) el.addEventListener(type, listener as EventListener);
    return () => {
      doc.off("beforeTransaction", beforeTransaction);
      doc.off("afterTransaction", afterTransaction);
      for (const [type, listener] of listeners) el.removeEventListener(type, listener as EventListener);
      if (document.activeElement === el) setCaret(null);
    };
  }, [doc, id, field, enabled]);
}
