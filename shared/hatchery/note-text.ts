import * as Y from "yjs";
import { NOTE_TEXT_MAX } from "./node-schemas";

/**
 * A note's text as a `Y.Text` under the note's key `body`, so that two people typing in the
 * same note merge their keystrokes and carets can point into it (Y.RelativePosition).
 * Notes written before it (and notes agents write through graph.apply) keep their text in
 * `data.text`; the app moves it into a `body` on the first edit (noteText below), and
 * every reader takes `body` first.
 */
export const NOTE_BODY = "body";

/** The note's live text if it has one. */
export const noteBody = (m: Y.Map<unknown>): Y.Text | null => {
  const body = m.get(NOTE_BODY);
  return body instanceof Y.Text ? body : null;
};

/** What a note says: its body, else the text it was written with. */
export function noteTextOf(m: Y.Map<unknown>): string {
  const body = noteBody(m);
  if (body) return body.toString();
  const data = m.get("data") as { text?: unknown } | undefined;
  return typeof data?.text === "string" ? data.text : "";
}

/**
 * The note's body, created from its old `data.text` when it has none (call inside the
 * writer's transaction: the move and the first keystroke are one change, undone together).
 */
export function ensureNoteBody(m: Y.Map<unknown>): Y.Text {
  const existing = noteBody(m);
  if (existing) return existing;
  const data = (m.get("data") as Record<string, unknown> | undefined) ?? {};
  const body = new Y.Text(typeof data.text === "string" ? data.text : "");
  m.set(NOTE_BODY, body);
  if (data.text !== "") m.set("data", { ...data, text: "" });
  return body;
}

/** Only plain characters: no embeds, formats or nested types, and within the note's length. */
export function bodyValid(value: unknown): boolean {
  if (!(value instanceof Y.Text) || value.length > NOTE_TEXT_MAX) return false;
  for (let item = value._start; item; item = item.right)
    if (!item.deleted && !(item.content instanceof Y.ContentString)) return false;
  return true;
}

/**
 * Sets back what transaction `tr` did to an existing body that it made invalid: its
 * insertions go (deletions are kept: they can only shorten it), and so does anything but
 * plain characters. Returns whether the body is valid afterwards.
 */
export function repairBody(body: Y.Text, tr: Y.Transaction): boolean {
  for (let item = body._start; item; item = item.right) {
    if (item.deleted) continue;
    const created = item.id.clock >= (tr.beforeState.get(item.id.client) ?? 0);
    if (created || !(item.content instanceof Y.ContentString)) item.delete(tr);
  }
  return bodyValid(body);
}

/**
 * The single edit that turns `before` into `after` (what a text field's input event does:
 * typing, deleting, pasting over a selection), found from the common prefix and suffix.
 * `caret` is where the field's caret is after the edit; it settles which of two equal runs
 * changed ("aa" → "aaa" with the caret at 1 inserted at 0).
 */
export function textSplice(
  before: string,
  after: string,
  caret = after.length,
): { at: number; remove: number; insert: string } {
  const maxPrefix = Math.min(before.length, after.length);
  let prefix = 0;
  while (prefix < maxPrefix && before.charCodeAt(prefix) === after.charCodeAt(prefix)) prefix++;
  // The edit cannot start after the caret.
  const inserted = after.length - before.length;
  prefix = Math.min(prefix, Math.max(0, caret - Math.max(0, inserted)));
  let suffix = 0;
  const maxSuffix = Math.min(before.length, after.length) - prefix;
  while (
    suffix < maxSuffix &&
    before.charCodeAt(before.length - 1 - suffix) === after.charCodeAt(after.length - 1 - suffix)
  )
    suffix++;
  return { at: prefix, remove: before.length - prefix - suffix, insert: after.slice(prefix, after.length - suffix) };
}
