import { submitted } from "../lib/form-submit";
import { useState } from "react";
import { COMMENT_TEXT_MAX } from "../../../shared/hatchery/comments";
import { relativeTime } from "../lib/format";
import { useCanvas } from "../stores/canvas";
import { useCan, useRoom } from "../stores/room";
import { useTogether } from "../stores/together";

/**
 * The comments on a canvas node, with a box to add one. They live in the Hatchery
 * document (shared/hatchery/comments.ts); the room makes sure each is its author's, and
 * only its author deletes it. Shown as text, never as HTML.
 */
export function NodeComments({ nodeId, open = false }: { nodeId: string; open?: boolean }) {
  const onCanvas = useCanvas((s) => s.nodes.some((n) => n.id === nodeId));
  const comments = useTogether((s) => s.comments.get(nodeId));
  const addComment = useTogether((s) => s.addComment);
  const deleteComment = useTogether((s) => s.deleteComment);
  const me = useRoom((s) => s.principal);
  const canWrite = useCan("write");
  const [draft, setDraft] = useState("");
  if (!onCanvas) return null;
  const list = comments ?? [];
  const submit = () => {
    if (me && addComment(nodeId, draft, { id: me.id, name: me.name })) setDraft("");
  };
  return (
    <details className="node-comments" open={open || undefined}>
      <summary>Comments{list.length > 0 ? ` (${list.length})` : ""}</summary>
      {list.length > 0 && (
        <ol className="comment-list">
          {list.map((c) => (
            <li key={c.id} className="comment">
              <div className="comment-meta">
                <strong>{c.author.name}</strong> <span className="muted">{relativeTime(c.at)}</span>
                {me?.id === c.author.id && canWrite && (
                  <button
                    type="button"
                    className="link"
                    onClick={() => deleteComment(c)}
                    aria-label={`Delete your comment “${c.text.slice(0, 40)}”`}
                  >
                    Delete
                  </button>
                )}
              </div>
              <p className="comment-text">{c.text}</p>
            </li>
          ))}
        </ol>
      )}
      {canWrite ? (
        <form className="comment-form" onSubmit={submitted(submit)}>
          <textarea
            aria-label="Add a comment"
            placeholder="Add a comment…"
            rows={2}
            maxLength={COMMENT_TEXT_MAX}
            value={draft}
            onChange={(e) => setDraft(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === "Enter" && (e.metaKey || e.ctrlKey)) {
                e.preventDefault();
                submit();
              }
            }}
          />
          <button type="submit" disabled={!draft.trim()}>
            Comment
          </button>
        </form>
      ) : (
        list.length === 0 && <p className="hint">No comments. Your role can read but not comment.</p>
      )}
    </details>
  );
}
