import { Handle, type NodeProps, type NodeTypes, Position } from "@xyflow/react";
import { markdownPreview } from "../lib/markdown-preview";
import { Component, type ComponentType, memo, type ReactNode, useEffect, useRef, useState } from "react";
import { useCanvas, type FlowNode } from "../stores/canvas";
import { useCan, useRoom } from "../stores/room";
import { useThreadUnread } from "../stores/unread";
import { sessionWords } from "../../../shared/plain-words";
import { NOTE_TEXT_MAX } from "../../../shared/hatchery/node-schemas";
import { NODE_SIZE } from "../../../shared/hatchery/graph";
import { relativeTime } from "../lib/format";
import { useFar } from "./far";
import { useNoteText } from "./live-text";
import { useNoteToOpen } from "./note-open";
import { ActivityTimeline, AttentionBadges, attentionLabels, readActivity, useAttention } from "./activity";
import { InstanceBody } from "./instance-node";
import { useFresh } from "./new-nodes";
import { NoteTextWithCarets } from "./note-carets";
import { CommentCount } from "./comment-count";

/**
 * One component per node kind, each showing its status at a glance. Each is memoised and
 * reads only its own slice of the stores (its thread, its unread count, who else selected
 * it), so an update elsewhere on a 2,000-node canvas does not touch it.
 */

type Props = NodeProps<FlowNode>;

function PeerRing({ id }: { id: string }) {
  const marks = useCanvas((s) => s.remoteSelection.get(id));
  if (!marks?.length) return null;
  return (
    <>
      <div className="peer-ring" style={{ borderColor: marks[0]!.color }} aria-hidden />
      <div className="peer-tags">
        {marks.map((m) => (
          <span key={m.name} className="peer-tag" style={{ background: m.color }}>
            {m.name}
          </span>
        ))}
      </div>
    </>
  );
}

/**
 * Zoomed far out (far.tsx), body text would be unreadable: nodes draw their title only,
 * scaled to stay readable, which also keeps a whole 2,000-node canvas cheap to paint.
 * A node that just arrived pulses once (new-nodes.tsx).
 */
function Shell({
  id,
  kind,
  selected,
  title,
  children,
  className = "",
}: {
  id: string;
  kind: string;
  selected: boolean;
  title: string;
  children: ReactNode;
  className?: string;
}) {
  const far = useFar();
  const fresh = useFresh((s) => s.pulse.has(id));
  return (
    <div
      className={`node node-${kind} ${selected ? "is-selected" : ""} ${far ? "far" : ""} ${fresh ? "is-new" : ""} ${className}`}
    >
      <Handle type="target" position={Position.Left} />
      <PeerRing id={id} />
      {far ? <span className="far-title">{title}</span> : children}
      <CommentCount id={id} />
      <Handle type="source" position={Position.Right} />
    </div>
  );
}

const text = (value: unknown): string => (typeof value === "string" ? value : "");

export const ThreadNode = memo(function ThreadNode({ id, data, selected }: Props) {
  const g = data.g;
  const ref = g.ref ?? "";
  // The room's thread carries the live message count; the canvas node the latest preview.
  const thread = useRoom((s) => s.state.threads.get(ref));
  const count = thread?.messageCount ?? Number(g.data.messageCount ?? 0);
  const unread = useThreadUnread(ref, count);
  // Parsed at read time (stores/flow-items.ts), and still only ever rendered as text.
  const last = g.data.lastMessage as
    | { author?: unknown; authorKind?: unknown; text?: unknown; at?: unknown }
    | null
    | undefined;
  const lastAt = thread?.lastMessageAt ?? (typeof last?.at === "number" ? last.at : null);
  const attention = attentionLabels(useAttention(id)).length > 0;
  return (
    // A card placed before threads had room for three title lines keeps its smaller box (NODE_SIZE).
    <Shell
      id={id}
      kind="thread"
      selected={selected}
      title={thread?.title ?? text(g.data.title)}
      className={g.h < NODE_SIZE.thread.h ? "compact" : ""}
    >
      <div className="node-head">
        <span className="kind-icon" aria-hidden>
          #
        </span>
        <span className="node-title" title={thread?.title ?? text(g.data.title)}>
          {thread?.title ?? text(g.data.title)}
        </span>
      </div>
      {/* What wants a person takes the preview's place (activity.tsx); the message is in the thread. */}
      {attention ? (
        <AttentionBadges subject={id} />
      ) : text(last?.text) ? (
        <p className="node-preview">
          <strong>
            {text(last?.author)}
            {last?.authorKind === "agent" && <span className="agent-chip">agent</span>}
          </strong>{" "}
          {markdownPreview(text(last?.text))}
        </p>
      ) : (
        <p className="node-preview muted">No messages yet</p>
      )}
      {/* The unread count sits in the foot row, so the title keeps the card's whole width. */}
      <div className="node-foot-row">
        {unread > 0 && (
          <span className="badge" title={`${unread} unread`}>
            {unread}
          </span>
        )}
        <div className="node-foot">
          {count} message{count === 1 ? "" : "s"}
          {lastAt ? ` · ${relativeTime(lastAt)}` : ""}
        </div>
        <ActivityTimeline activity={readActivity(g.data.activity)} label={thread?.title ?? text(g.data.title)} />
      </div>
    </Shell>
  );
});

/**
 * An OpenClaw gateway session (shared/hatchery/session-nodes.ts): its title (the thread's,
 * once it is open as one), its key, when it was last active and which thread it is.
 */
export const SessionNode = memo(function SessionNode({ id, data, selected }: Props) {
  const d = data.g.data;
  const threadId = text(d.threadId);
  const threadTitle = useRoom((s) => (threadId ? s.state.threads.get(threadId)?.title : undefined));
  // The key (`agent:main:telegram:direct:…`) says what the session is in words; the key itself is for the tooltip.
  const kind = sessionWords(text(d.key));
  const title = threadTitle || text(d.title) || kind;
  const updatedAt = typeof d.updatedAt === "number" ? d.updatedAt : null;
  return (
    <Shell id={id} kind="session" selected={selected} title={title} className={d.running === true ? "is-running" : ""}>
      <div className="node-head">
        <span className={`session-dot ${d.running === true ? "running" : ""}`} aria-hidden />
        <span className="node-title">{title}</span>
        {d.running === true && <span className="chip chip-running">running</span>}
      </div>
      <div className="node-key" title={text(d.key)}>
        {kind}
      </div>
      <div className="node-foot">
        {updatedAt ? `active ${relativeTime(updatedAt)}` : "no activity yet"} ·{" "}
        {threadId ? `thread: ${threadTitle ?? "not loaded"}` : "not open as a thread"}
      </div>
    </Shell>
  );
});

/** An OpenClaw instance (instance-node.tsx): status, attention and its activity. */
export const InstanceNode = memo(function InstanceNode({ id, data, selected }: Props) {
  const name = useRoom((s) => s.state.instances.get(data.g.ref ?? "")?.name) ?? text(data.g.data.name);
  return (
    <Shell id={id} kind="instance" selected={selected} title={name || (data.g.ref ?? "")}>
      <InstanceBody id={id} g={data.g} />
    </Shell>
  );
});

export const NoteNode = memo(function NoteNode({ id, data, selected }: Props) {
  const canEdit = useCan("write");
  const [editing, setEditing] = useState(false);
  const area = useRef<HTMLTextAreaElement>(null);
  const value = text(data.g.data.text);
  const far = useFar();
  // A note this tab just added opens for writing once it is drawn legibly (note-open.ts).
  const toOpen = useNoteToOpen((s) => s.id === id);
  useEffect(() => {
    if (!toOpen || !canEdit || far) return;
    useNoteToOpen.setState({ id: null });
    setEditing(true);
  }, [toOpen, canEdit, far]);
  // Typing goes into the note's Y.Text as it happens (live-text.ts).
  useNoteText(id, area, editing);
  useEffect(() => {
    const el = area.current;
    if (!editing || !el) return;
    el.focus();
    // The caret after the text, where one goes on writing.
    el.setSelectionRange(el.value.length, el.value.length);
  }, [editing]);
  const stopEditing = () => setEditing(false);
  return (
    <Shell id={id} kind="note" selected={selected} title={value.split("\n")[0] ?? ""}>
      {editing ? (
        <textarea
          ref={area}
          className="note-edit nodrag nowheel"
          // The field's content follows the text (React would clear it otherwise); its value is the binding's.
          defaultValue={value}
          aria-label="Note text"
          maxLength={NOTE_TEXT_MAX}
          onBlur={stopEditing}
          onKeyDown={(e) => {
            e.stopPropagation();
            if (e.key === "Escape" || (e.key === "Enter" && (e.metaKey || e.ctrlKey))) stopEditing();
          }}
        />
      ) : canEdit ? (
        // Double-click (or Enter when focused) to edit, like a file name in a file manager.
        // biome-ignore lint/a11y/useSemanticElements: the note stays a block of text (multi-line, a drag handle for the canvas); a <button> would restyle it and take the drag
        <div
          className="note-text"
          role="button"
          tabIndex={0}
          onDoubleClick={() => setEditing(true)}
          onKeyDown={(e) => {
            if (e.key !== "Enter") return;
            e.stopPropagation();
            setEditing(true);
          }}
          title="Double-click to edit"
        >
          <NoteTextWithCarets id={id} text={value} empty={<span className="muted">Double-click to write</span>} />
        </div>
      ) : (
        <div className="note-text">
          <NoteTextWithCarets id={id} text={value} empty={<span className="muted">Empty note</span>} />
        </div>
      )}
    </Shell>
  );
});

export const GroupNode = memo(function GroupNode({ id, data, selected }: Props) {
  const far = useFar();
  return (
    <div
      className={`node-group ${selected ? "is-selected" : ""} ${far ? "far" : ""}`}
      style={{ width: data.g.w, height: data.g.h }}
    >
      <PeerRing id={id} />
      <div className="group-label">{text(data.g.data.label) || "Group"}</div>
    </div>
  );
});

/**
 * A project's frame: the room's project (its name, how many threads), drawn as a group is,
 * with its threads inside (shared/hatchery/domain.ts gathers them). Its name is the room's,
 * read from the room's state when the tab has it, else from the frame's data.
 */
export const ProjectFrameNode = memo(function ProjectFrameNode({ id, data, selected }: Props) {
  const far = useFar();
  const project = useRoom((s) => (data.g.ref ? s.state.projects.get(data.g.ref) : undefined));
  const name = project?.name ?? (text(data.g.data.name) || "Project");
  const threads = project?.threadIds.length ?? Number(data.g.data.threads ?? 0);
  return (
    <div
      className={`node-group node-project ${selected ? "is-selected" : ""} ${far ? "far" : ""}`}
      style={{ width: data.g.w, height: data.g.h }}
    >
      <PeerRing id={id} />
      <div className="group-label project-label">
        <span aria-hidden>▣ </span>
        {name}
        {!far && (
          <span className="project-count">
            {" "}
            · {threads} thread{threads === 1 ? "" : "s"}
          </span>
        )}
      </div>
    </div>
  );
});

/** A node whose values do not match its kind: shows that, and none of its values. */
function UnreadableNode({ id }: { id: string }) {
  return (
    <div className="node node-unreadable" title={`unreadable node ${id}`}>
      Unreadable node
    </div>
  );
}

/**
 * One boundary per node: whatever a node's values do to its component, that node alone
 * shows as unreadable; the canvas and every other node keep rendering.
 */
class NodeBoundary extends Component<{ id: string; children: ReactNode }, { failed: boolean }> {
  override state = { failed: false };
  static getDerivedStateFromError() {
    return { failed: true };
  }
  override componentDidCatch(error: unknown) {
    console.error(`canvas node ${this.props.id} failed to render`, error);
  }
  override render() {
    return this.state.failed ? <UnreadableNode id={this.props.id} /> : this.props.children;
  }
}

function guarded(Inner: ComponentType<Props>) {
  return memo(function Guarded(props: Props) {
    return (
      <NodeBoundary id={props.id}>
        <Inner {...props} />
      </NodeBoundary>
    );
  });
}

export const nodeTypes: NodeTypes = {
  thread: guarded(ThreadNode),
  instance: guarded(InstanceNode),
  session: guarded(SessionNode),
  note: guarded(NoteNode),
  group: guarded(GroupNode),
  project: guarded(ProjectFrameNode),
  unreadable: memo(({ id }: Props) => <UnreadableNode id={id} />),
};
