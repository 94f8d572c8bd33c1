import type { ReactNode } from "react";
import { sessionWords } from "../../../shared/plain-words";
import { useAction } from "../lib/action";
import { FormError } from "../lib/form-error";
import { relativeTime } from "../lib/format";
import { useCanvas } from "../stores/canvas";
import { useCan, useRoom } from "../stores/room";
import { useUi } from "../stores/ui";

const text = (value: unknown): string => (typeof value === "string" ? value : "");

/**
 * A gateway session picked on the canvas. Open as a thread: that thread (`thread` renders
 * it). Not yet: what the canvas knows of it, and "Open as a thread" (`sessions.open`) for
 * those who may write. Opening is a button, not the click itself: selecting a node also
 * happens when someone merely drags it, and that must not create a thread.
 */
export function SessionView({ nodeId, thread }: { nodeId: string; thread: (threadId: string) => ReactNode }) {
  const data = useCanvas((s) => s.nodes.find((n) => n.id === nodeId)?.data.g.data);
  const threadId = text(data?.threadId);
  const known = useRoom((s) => (threadId ? s.state.threads.has(threadId) : false));
  const instanceId = text(data?.instanceId);
  const instance = useRoom((s) => s.state.instances.get(instanceId));
  const client = useRoom((s) => s.client);
  const canWrite = useCan("write");
  const select = useUi((s) => s.select);
  const key = text(data?.key);
  const {
    run: open,
    pending,
    error,
  } = useAction(async () => {
    if (!client) return;
    const opened = await client.sessions.open({ instanceId, sessionKey: key });
    select(`thread:${opened.thread.id}`, { focus: true });
  });
  if (!data) return <p className="empty">This session is no longer on the canvas.</p>;
  if (threadId && known) return thread(threadId);
  // A session of a deleted instance cannot be opened, whatever the canvas still shows.
  if (!instance || instance.status === "stopped")
    return <p className="empty">This session's OpenClaw instance is not in the workspace any more.</p>;
  const updatedAt = typeof data.updatedAt === "number" ? data.updatedAt : null;
  return (
    <div className="session-view">
      <header className="inspector-head">
        <span className="eyebrow">OpenClaw session</span>
        <h2>{text(data.title) || sessionWords(key)}</h2>
        {/* What the session is in words; its key (what OpenClaw calls it) is in the tooltip. */}
        <p className="muted small" title={key}>
          {sessionWords(key)} · on {instance.name}
        </p>
      </header>
      <dl className="facts">
        <dt>Last activity</dt>
        <dd>{updatedAt ? relativeTime(updatedAt) : "none yet"}</dd>
        <dt>Status</dt>
        <dd>{data.running === true ? "running" : text(data.status) || "idle"}</dd>
        {text(data.preview) && (
          <>
            <dt>Last message</dt>
            <dd>{text(data.preview)}</dd>
          </>
        )}
      </dl>
      {canWrite ? (
        <button type="button" className="primary" disabled={pending || !client} onClick={() => open()}>
          {pending ? "Opening…" : "Open as a thread"}
        </button>
      ) : (
        <p className="hint">This session is not open as a thread yet; your role cannot open it.</p>
      )}
      <FormError error={error} />
    </div>
  );
}
