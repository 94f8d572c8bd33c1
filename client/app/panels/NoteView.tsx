import { useEffect, useState } from "react";
import { useCanvas } from "../stores/canvas";
import { useCan } from "../stores/room";

/** A sticky note or a project group in the inspector: both live in the Hatchery document, not the room. */
export function NoteOrGroupView({ nodeId }: { nodeId: string }) {
  const node = useCanvas((s) => s.nodes.find((n) => n.id === nodeId));
  const setNodeData = useCanvas((s) => s.setNodeData);
  const canEdit = useCan("write");
  const field = node?.type === "group" ? "label" : "text";
  const value = String(node?.data.g.data[field] ?? "");
  const [draft, setDraft] = useState(value);
  const [focused, setFocused] = useState(false);
  // Follow remote edits unless this person is typing.
  useEffect(() => {
    if (!focused) setDraft(value);
  }, [value, focused]);
  if (!node) return <p className="empty">This item was removed from the canvas.</p>;
  const commit = () => {
    setFocused(false);
    if (draft !== value) setNodeData(nodeId, { [field]: draft });
  };
  return (
    <div>
      <header className="inspector-head">
        <span className="eyebrow">{node.type === "group" ? "Project group" : "Sticky note"}</span>
        <h2>{node.type === "group" ? value || "Group" : "Note"}</h2>
      </header>
      <label className="field-label" htmlFor="node-field">
        {node.type === "group" ? "Label" : "Text"}
      </label>
      {node.type === "group" ? (
        <input
          id="node-field"
          value={draft}
          disabled={!canEdit}
          onFocus={() => setFocused(true)}
          onChange={(e) => setDraft(e.target.value)}
          onBlur={commit}
          onKeyDown={(e) => e.key === "Enter" && commit()}
        />
      ) : (
        <textarea id="node-field" rows={6} value={draft} disabled={!canEdit} onFocus={() => setFocused(true)} onChange={(e) => setDraft(e.target.value)} onBlur={commit} />
      )}
      <p className="hint">{canEdit ? "Changes are shared with everyone when you leave the field. Delete with the Delete key on the canvas." : "Your role can read but not edit the canvas."}</p>
    </div>
  );
}
