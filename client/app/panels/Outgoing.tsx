import { Markdown } from "../lib/markdown";
import { MessageBoundary } from "../lib/message-boundary";
import { useOutbox } from "../stores/outbox";
import { useRoom } from "../stores/room";
import { SideSection } from "./SideSection";

/**
 * This tab's messages in a thread that the room has not taken yet (stores/outbox.ts), below
 * the thread's own: "Sending…" while on their way (also while the room is out of reach: they
 * go out when it is back), or what the room said when it refused one, with Retry and Discard.
 */
export function OutgoingMessages({ threadId }: { threadId: string }) {
  const all = useOutbox((s) => s.messages);
  const retry = useOutbox((s) => s.retry);
  const discard = useOutbox((s) => s.discard);
  const client = useRoom((s) => s.client);
  const me = useRoom((s) => s.principal?.name ?? "You");
  const connected = useRoom((s) => s.status === "connected");
  const messages = all.filter((m) => m.threadId === threadId && !m.arrived);
  return messages.map((m) => (
    <li
      key={m.key}
      className={`message outgoing ${m.error ? "is-refused" : "is-sending"}`}
      data-outgoing={m.error ? "refused" : "sending"}
      aria-busy={m.error ? undefined : true}
    >
      <div className="message-meta">
        <strong>{me}</strong>
        {m.error ? (
          <span className="chip chip-denied">not sent</span>
        ) : (
          <span className="muted small">{connected ? "sending…" : "sending… (when the connection is back)"}</span>
        )}
      </div>
      <MessageBoundary text={m.text}>{m.text && <Markdown className="message-text" text={m.text} />}</MessageBoundary>
      {m.attachments.length > 0 && (
        <p className="muted small">
          with {m.attachments.length} {m.attachments.length === 1 ? "file" : "files"}
        </p>
      )}
      {m.error && (
        <div className="outgoing-refused" role="alert">
          <p className="form-error">The room did not take this message: {m.error}</p>
          <span className="button-row">
            <button type="button" className="small" disabled={!client} onClick={() => client && retry(client, m.key)}>
              Retry
            </button>
            <button type="button" className="small" onClick={() => discard(m.key)}>
              Discard
            </button>
          </span>
        </div>
      )}
    </li>
  ));
}

/**
 * Before the room's first answer since the page loaded (a reload while the server is out of
 * reach), the messages this device kept for this person and workspace: their threads are not
 * known yet, so they are listed here. They go out once the room answers, and then show in
 * their threads.
 */
export function KeptMessages() {
  const answered = useRoom((s) => s.principal !== null);
  const messages = useOutbox((s) => s.messages);
  if (answered || messages.length === 0) return null;
  return (
    <SideSection id="kept-h" title="Waiting to send" count={messages.length}>
      <p className="muted small">Kept on this device: they go out when the server answers.</p>
      <ul className="people">
        {messages.map((m) => (
          <li key={m.key}>
            <span className="nav-title" title={m.text.slice(0, 1000)}>
              {m.text.slice(0, 200) || `${m.attachments.length} ${m.attachments.length === 1 ? "file" : "files"}`}
            </span>
            {m.error && <span className="chip chip-denied">not sent</span>}
          </li>
        ))}
      </ul>
    </SideSection>
  );
}
