import * as Y from "yjs";
import { create } from "zustand";
import type { Caret, Viewport } from "../../../shared/hatchery/awareness";
import {
  type Comment,
  COMMENT_TEXT_MAX,
  commentKey,
  commentsMap,
  parseComment,
} from "../../../shared/hatchery/comments";
import { edgesMap, nodesMap } from "../../../shared/hatchery/graph";
import { ensureNoteBody, textSplice } from "../../../shared/hatchery/note-text";
import { peopleHere, type PersonHere } from "../lib/presence";
import { LOCAL, useCanvas } from "./canvas";
import { useRoom } from "./room";

/**
 * Working on the canvas together, beside the document store (stores/canvas.ts):
 * - undo and redo of this tab's own changes only: a Y.UndoManager tracking LOCAL, the
 *   origin of every write this tab makes, so a change that came from someone else (or
 *   the server) is never undone;
 * - following someone's view, from the viewport each tab publishes in presence (a person:
 *   whichever of their tabs they use; who is here comes from the room's presence, lib/presence.ts);
 * - the caret in a note's text, as Y.RelativePositions (they survive others' typing);
 * - Tidy up: one undo step of its own, told to the others ("Ann tidied up the canvas"),
 *   who see their layout move: each tab counts its tidy-ups in presence, and a peer's
 *   count that grows while this tab watches is the notice;
 * - comments on nodes, read from the document's `comments` map.
 */

/** Keystrokes and drag steps this close together are one undo step. */
const UNDO_CAPTURE_MS = 500;
const VIEWPORT_THROTTLE_MS = 100;
const CARET_THROTTLE_MS = 50;

interface TogetherStore {
  canUndo: boolean;
  canRedo: boolean;
  undo(): void;
  redo(): void;
  /** Whose view this tab follows (their principal id). */
  following: string | null;
  /** Why following stopped when this tab did not stop it (the person left). */
  followNotice: string | null;
  follow(person: Pick<PersonHere, "principalId" | "name">): void;
  stopFollowing(notice?: string | null): void;
  publishViewport(v: Viewport): void;
  setCaret(caret: Caret | null): void;
  /** Readable comments by node id, oldest first. */
  comments: ReadonlyMap<string, readonly Comment[]>;
  addComment(node: string, text: string, author: { id: string; name: string }): boolean;
  deleteComment(comment: Comment): void;
  /** Applies a text field's new value to the note's text as one splice (creating its Y.Text on the first edit). */
  editNote(id: string, next: string, caret: number): void;
  /** Writes a tidy-up: one undo step of its own (never merged with a change just before or after), then told to the others. */
  writeTidy(write: () => void): void;
  /** Who last tidied up this canvas while this tab watched, in words; null once dismissed. */
  tidyNotice: string | null;
  dismissTidyNotice(): void;
}

const newId = () => (crypto.randomUUID?.() ?? `${Date.now()}${Math.random()}`).replaceAll("-", "").slice(0, 16);

/** Calls `send` at most every `ms`; the latest value always goes out. */
function throttle<T>(ms: number, send: (value: T) => void): (value: T) => void {
  let last = 0;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let pending: T;
  return (value) => {
    pending = value;
    if (timer) return;
    const wait = ms - (Date.now() - last);
    const fire = () => {
      timer = null;
      last = Date.now();
      send(pending);
    };
    if (wait <= 0) fire();
    else timer = setTimeout(fire, wait);
  };
}

export const useTogether = create<TogetherStore>((set, get) => {
  let undo: Y.UndoManager | null = null;
  const awareness = () => useCanvas.getState().provider?.awareness ?? null;
  const transact = (fn: (doc: Y.Doc) => void) => {
    const { doc } = useCanvas.getState();
    if (doc) doc.transact(() => fn(doc), LOCAL);
  };
  const sendViewport = throttle<Viewport>(VIEWPORT_THROTTLE_MS, (v) => awareness()?.setLocalStateField("viewport", v));
  const sendCaret = throttle<Caret | null>(CARET_THROTTLE_MS, (c) => awareness()?.setLocalStateField("caret", c));

  let detach = () => {};
  const attach = (doc: Y.Doc | null) => {
    detach();
    detach = () => {};
    set({ canUndo: false, canRedo: false, comments: new Map() });
    if (!doc) return;
    const manager = new Y.UndoManager([nodesMap(doc), edgesMap(doc)], {
      trackedOrigins: new Set([LOCAL]),
      captureTimeout: UNDO_CAPTURE_MS,
    });
    undo = manager;
    const stacks = () => set({ canUndo: manager.undoStack.length > 0, canRedo: manager.redoStack.length > 0 });
    manager.on("stack-item-added", stacks);
    manager.on("stack-item-popped", stacks);
    manager.on("stack-cleared", stacks);
    const comments = commentsMap(doc);
    // Rebuilds only the nodes whose comments changed; other nodes keep their arrays.
    const onComments = (event: Y.YMapEvent<Comment>) => {
      const touched = new Set([...event.keysChanged].map((key) => key.slice(0, key.lastIndexOf("|"))));
      const next = new Map(get().comments);
      for (const node of touched) next.delete(node);
      for (const [key, value] of comments.entries()) {
        const c = parseComment(key, value);
        if (c && touched.has(c.node)) next.set(c.node, [...(next.get(c.node) ?? []), c]);
      }
      for (const node of touched) {
        const list = next.get(node);
        if (list)
          next.set(
            node,
            [...list].sort((a, b) => a.at - b.at || a.id.localeCompare(b.id)),
          );
      }
      set({ comments: next });
    };
    comments.observe(onComments);
    detach = () => {
      comments.unobserve(onComments);
      manager.destroy();
      if (undo === manager) undo = null;
    };
  };
  // The person followed left (their last socket closed, or none of their tabs shows the canvas): stop, and say so.
  let followedName = "They";
  const checkFollowed = () => {
    const followed = get().following;
    if (followed === null) return;
    const { state, principal } = useRoom.getState();
    const person = peopleHere(state.presence.values(), useCanvas.getState().peers, principal?.id ?? null).find(
      (p) => p.principalId === followed,
    );
    if (!person?.viewport) get().stopFollowing(`${followedName} left — you are no longer following`);
  };
  // Each peer's tidy-up count as this tab last saw it: a count seen first (a tab that tidied before) tells nothing.
  let tidiedSeen = new Map<number, number>();
  let tidied = 0;
  const checkTidied = () => {
    const now = new Map<number, number>();
    for (const peer of useCanvas.getState().peers) {
      const seen = tidiedSeen.get(peer.clientId);
      now.set(peer.clientId, peer.tidied);
      if (seen !== undefined && peer.tidied > seen) set({ tidyNotice: `${peer.name} tidied up the canvas` });
    }
    tidiedSeen = now;
  };
  useCanvas.subscribe((s, prev) => {
    if (s.doc !== prev.doc) attach(s.doc);
    if (s.peers !== prev.peers) {
      checkFollowed();
      checkTidied();
    }
  });
  useRoom.subscribe((s, prev) => {
    if (s.state.presence !== prev.state.presence) checkFollowed();
  });

  return {
    canUndo: false,
    canRedo: false,
    undo: () => undo?.undo(),
    redo: () => undo?.redo(),
    following: null,
    followNotice: null,
    follow: (person) => {
      followedName = person.name;
      set({ following: person.principalId, followNotice: null });
    },
    stopFollowing: (notice = null) => set({ following: null, followNotice: notice }),
    publishViewport: sendViewport,
    setCaret: sendCaret,
    comments: new Map(),

    addComment(node, text, author) {
      const body = text.trim().slice(0, COMMENT_TEXT_MAX);
      const { doc } = useCanvas.getState();
      if (!body || !doc) return false;
      const id = newId();
      // Not LOCAL: a comment is taken back with its Delete button, not with ⌘Z.
      doc.transact(() => commentsMap(doc).set(commentKey(node, id), { id, node, author, text: body, at: Date.now() }));
      return true;
    },

    deleteComment(comment) {
      const { doc } = useCanvas.getState();
      doc?.transact(() => commentsMap(doc).delete(commentKey(comment.node, comment.id)));
    },

    writeTidy(write) {
      undo?.stopCapturing();
      write();
      undo?.stopCapturing();
      awareness()?.setLocalStateField("tidied", ++tidied);
    },
    tidyNotice: null,
    dismissTidyNotice: () => set({ tidyNotice: null }),

    editNote(id, next, caret) {
      transact((doc) => {
        const m = nodesMap(doc).get(id);
        if (!m) return;
        const body = ensureNoteBody(m);
        const { at, remove, insert } = textSplice(body.toString(), next, caret);
        if (remove) body.delete(at, remove);
        if (insert) body.insert(at, insert);
      });
    },
  };
});
