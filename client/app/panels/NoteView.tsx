import { useEffect, useRef, useState } from "react";
import { GROUP_LABEL_MAX, NOTE_TEXT_MAX } from "../../../shared/hatchery/node-schemas";
import { useNoteText } from "../canvas/live-text";
import { useCanvas } from "../stores/canvas";
import { useCan } from "../stores/room";
import { TextField } from "../lib/text-field";

/** A sticky note or a project group in the inspector: both live in the Hatchery document, not the room. */
export function NoteOrGroupView({ nodeId }: { nodeId: string }) {
  const kind = useCanvas((s) => s.nodes.find((n) => n.id === nodeId)?.type);
  if (!kind) return <p className="empty">This item was removed from the canvas.</p>;
  return kind === "group" ? <GroupView nodeId={nodeId} /> : <NoteView nodeId={nodeId} />;
}

function NoteView({ nodeId }: { nodeId: string }) {
  const canEdit = useCan("write");
  const text = useCanvas((s) => String(s.nodes.find((n) => n.id === nodeId)?.data.g.data.text ?? ""));
  const area = useRef<HTMLTextAreaElement>(null);
  // The field is bound to the note's Y.Text: typing merges with everyone else's (canvas/live-text.ts).
  useNoteText(nodeId, area);
  return (
    <div>
      <header className="inspector-head">
        <span className="eyebrow">Sticky note</span>
        <h2>Note</h2>
      </header>
      <label className="field-label" htmlFor="node-field">
        Text
      </label>
      <textarea id="node-field" ref={area} defaultValue={text} rows={6} maxLength={NOTE_TEXT_MAX} disabled={!canEdit} />
      <p className="hint">
        {canEdit
          ? "Everyone sees your typing and your caret as you type. Delete with the Delete key on the canvas."
          : "Your role can read but not edit the canvas."}
      </p>
    </div>
  );
}

function GroupView({ nodeId }: { nodeId: string }) {
  const value = useCanvas((s) => String(s.nodes.find((n) => n.id === nodeId)?.data.g.data.label ?? ""));
  const setNodeData = useCanvas((s) => s.setNodeData);
  const canEdit = useCan("write");
  const [draft, setDraft] = useState(value);
  const [focused, setFocused] = useState(false);
  // Follow remote edits unless this person is typing.
  useEffect(() => {
    if (!focused) setDraft(value);
  }, [value, focused]);
  const change = (next: string) => {
    setDraft(next);
    if (next !== value) setNodeData(nodeId, { label: next });
  };
  return (
    <div>
      <header className="inspector-head">
        <span className="eyebrow">Project group</span>
        <h2>{value || "Group"}</h2>
      </header>
      <TextField
        id="node-field"
        label="Label"
        maxLength={GROUP_LABEL_MAX}
        value={draft}
        disabled={!canEdit}
        onFocus={() => setFocused(true)}
        onChange={change}
        onBlur={() => setFocused(false)}
        onKeyDown={(e) => e.key === "Enter" && e.currentTarget.blur()}
      />
      <p className="hint">
        {canEdit ? "Changes are shared with everyone as you type." : "Your role can read but not edit the canvas."}
      </p>
    </div>
  );
}
