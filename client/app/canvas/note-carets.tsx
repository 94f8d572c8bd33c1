import type { ReactNode } from "react";
import * as Y from "yjs";
import type { Caret } from "../../../shared/hatchery/awareness";
import { nodesMap } from "../../../shared/hatchery/graph";
import { noteBody } from "../../../shared/hatchery/note-text";
import { type Peer, useCanvas } from "../stores/canvas";

/**
 * A note's text with the others' carets in it, each in that person's colour (a palette
 * constant: stores/canvas.ts) and named. A caret is a Y.RelativePosition in the note's
 * Y.Text, published in presence (stores/together.ts); it is placed only if it resolves to a
 * position in this very note's text, so a stale or forged one shows nowhere.
 */
function caretIndex(doc: Y.Doc, id: string, caret: Caret | null): number | null {
  if (!caret || caret.node !== id) return null;
  const m = nodesMap(doc).get(id);
  const body = m instanceof Y.Map ? noteBody(m) : null;
  if (!body) return null;
  try {
    const abs = Y.createAbsolutePositionFromRelativePosition(Y.createRelativePositionFromJSON(caret.head), doc);
    return abs && abs.type === body ? Math.min(abs.index, body.length) : null;
  } catch {
    return null;
  }
}

export function NoteTextWithCarets({ id, text, empty }: { id: string; text: string; empty: ReactNode }) {
  const doc = useCanvas((s) => s.doc);
  const peers = useCanvas((s) => s.peers);
  const carets = doc
    ? peers
        .flatMap((p: Peer) => (p.caret?.node === id ? [{ peer: p, at: caretIndex(doc, id, p.caret) }] : []))
        .filter((c): c is { peer: Peer; at: number } => c.at !== null)
    : [];
  if (!text && carets.length === 0) return <>{empty}</>;
  carets.sort((a, b) => a.at - b.at);
  const parts: ReactNode[] = [];
  let from = 0;
  for (const { peer, at } of carets) {
    parts.push(text.slice(from, at));
    parts.push(
      <span
        key={peer.clientId}
        className="remote-caret"
        style={{ borderColor: peer.color }}
        data-peer={peer.name}
        title={`${peer.name} is typing here`}
      >
        <span className="remote-caret-name" style={{ background: peer.color }}>
          {peer.name}
        </span>
      </span>,
    );
    from = at;
  }
  parts.push(text.slice(from));
  return <>{parts}</>;
}
