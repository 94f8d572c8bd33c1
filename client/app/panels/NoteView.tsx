import { useEffect, useRef, useState } from "react";
import { GROUP_LABEL_MAX, NOTE_TEXT_MAX } from "../../../shared/hatchery/node-schemas";
import { useLiveText } from "../canvas/live-text";
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
  // Typed text goes out as it happens (canvas/live-text.ts); only a changed value is written.
  const valueRef = useRef(value);
  valueRef.current = value;
  const live = useLiveText((next) => {
    if (next !== valueRef.current) setNodeData(nodeId, { [field]: next });
  });
  // Follow remote edits unless this person is typing.
  useEffect(() => {
    if (!focused) setDraft(value);
  }, [value, focused]);
  if (!node) return <p className="empty">This item was removed from the canvas.</p>;
  const commit = () => {
    setFocused(false);
    live.flush();
  };
  const change = (next: string) => {
    setDraft(next);
    live.push(next);
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
          maxLength={GROUP_LABEL_MAX}
          value={draft}
          disabled={!canEdit}
          onFocus={() => setFocused(true)}
          onChange={(e) => change(e.target.value)}
          onBlur={commit}
          onKeyDown={(e) => e.key === "Enter" && commit()}
        />
      ) : (
        <textarea id="node-field" rows={6} maxLength={NOTE_TEXT_MAX} value={draft} disabled={!canEdit} onFocus={() => setFocused(true)} onChange={(e) => change(e.target.value)} onBlur={commit} />
      )}
      <p className="hint">{canEdit ? "Changes are shared with everyone as you type. Delete with the Delete key on the canvas." : "Your role can read but not edit the canvas."}</p>
    </div>
  );
}
