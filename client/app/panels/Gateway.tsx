import { CHAT_PLATFORM_UI } from "./chat-platforms";
import { MessageAttachments } from "./attachments/MessageAttachments";
import { useMemo } from "react";
import type { ChatStream } from "../../../shared/protocol/gateway";
import type { Instance } from "../../../shared/protocol/instances";
import type { Message } from "../../../shared/protocol/threads";
import { threadStreams } from "../../src/state";
import { useAction } from "../lib/action";
import { gatewayLine, startingOperation } from "../lib/instance-status";
import { clockTime, relativeTime } from "../lib/format";
import { useCan, useRoom } from "../stores/room";
import { useUi } from "../stores/ui";
import { DecisionLines, ToolCallBlock } from "./ToolCall";
import { FormError } from "../lib/form-error";
import { Markdown } from "../lib/markdown";
import { MessageBoundary } from "../lib/message-boundary";
import { ScheduledMark } from "./schedules/Schedules";

/**
 * What the OpenClaw bridge adds to the app (protocol 4): gateway replies as they stream,
 * tool and error messages, the Stop button, each instance's bridge state and its gateway
 * sessions. Streams and sessions are ephemeral room state (`state.streams`,
 * `state.sessions`), kept current by the client like everything else.
 */

/** `$ command` on the first line, the output below (how the room writes tool messages). */
function splitTool(text: string): { command: string | null; output: string } {
  const newline = text.indexOf("\n");
  const first = newline === -1 ? text : text.slice(0, newline);
  if (!first.startsWith("$ ")) return { command: null, output: text };
  return { command: first.slice(2), output: newline === -1 ? "" : text.slice(newline + 1) };
}

function ToolBlock({ text }: { text: string }) {
  const { command, output } = splitTool(text);
  return (
    <div className="tool-block">
      {command !== null && (
        <pre className="tool-command">
          <span className="tool-prompt" aria-hidden>
            ${" "}
          </span>
          <code>{command}</code>
        </pre>
      )}
      {output ? (
        <pre className="tool-output">
          <code>{output}</code>
        </pre>
      ) : (
        command !== null && <p className="tool-empty">no output</p>
      )}
    </div>
  );
}

/** One message of a thread: text, a command the agent ran, or the gateway's error. */
/** `mark`: a chip on a message still on its way, e.g. a first message waiting for its OpenClaw instance. */
export function MessageItem({ message: m, mark }: { message: Message; mark?: string }) {
  const kind = m.kind ?? "text";
  const classes = [
    "message",
    m.author.kind === "agent" ? "from-agent" : "",
    kind === "tool" ? "tool-message" : "",
    kind === "error" ? "error-message" : "",
    m.aborted ? "is-aborted" : "",
    mark ? "is-marked" : "",
  ];
  return (
    <li className={classes.filter(Boolean).join(" ")} data-message-id={m.id}>
      <div className="message-meta">
        <strong>{m.author.name}</strong>
        {m.author.kind === "agent" && <span className="agent-chip">agent</span>}
        {kind === "tool" && !m.tool && <span className="chip">command</span>}
        {m.aborted && <span className="chip chip-stopped">stopped</span>}
        {m.scheduleId && <ScheduledMark scheduleId={m.scheduleId} />}
        {m.fromChat && (
          <span className="chip" title="Said in the chat this thread is bound to">
            in {CHAT_PLATFORM_UI[m.fromChat].label}
          </span>
        )}
        {mark && (
          <span className={`chip message-mark ${mark === "not sent" ? "chip-denied" : "chip-pending"}`}>{mark}</span>
        )}
        <time dateTime={new Date(m.createdAt).toISOString()}>{clockTime(m.createdAt)}</time>
      </div>
      <MessageBoundary text={m.text}>
        {m.tool ? (
          <>
            <ToolCallBlock tool={m.tool} at={m} />
            <DecisionLines tools={[m.tool]} />
          </>
        ) : kind === "tool" ? (
          <ToolBlock text={m.text} />
        ) : kind === "error" ? (
          <div className="message-error" role="alert">
            <strong>The reply failed.</strong> <span className="message-text">{m.text}</span>
          </div>
        ) : (
          m.text && <Markdown className="message-text" text={m.text} />
        )}
        <MessageAttachments message={m} />
      </MessageBoundary>
      {m.aborted && <p className="aborted-note">Stopped before it finished — this is what had arrived.</p>}
    </li>
  );
}

/** A reply still streaming: the text so far, or a typing indicator until the first words. */
export function StreamingReply({ stream }: { stream: ChatStream }) {
  // instanceId null: the Autopilot's own model is replying (protocol 5).
  const name = useRoom((s) =>
    stream.instanceId === null ? "Autopilot" : (s.state.instances.get(stream.instanceId)?.name ?? stream.instanceId),
  );
  return (
    <li className="message from-agent streaming" aria-busy="true">
      <div className="message-meta">
        <strong>{name}</strong>
        <span className="agent-chip">agent</span>
        <span className="muted small">{stream.text ? "replying…" : "thinking…"}</span>
      </div>
      {stream.text ? (
        <div className="message-text">
          <MessageBoundary text={stream.text}>
            <Markdown text={stream.text} />
          </MessageBoundary>
          <span className="caret" aria-hidden />
        </div>
      ) : (
        <p className="typing" role="status" aria-label={`${name} is thinking`}>
          <span />
          <span />
          <span />
        </p>
      )}
    </li>
  );
}

/** The thread's running replies, oldest first (usually none or one). */
export function useThreadStreams(threadId: string): ChatStream[] {
  const streams = useRoom((s) => s.state.streams);
  return useMemo(() => threadStreams({ streams }, threadId), [streams, threadId]);
}

/** Stops the thread's running reply (`chat.abort`); the partial text lands as a message. */
export function StopButton({ threadId }: { threadId: string }) {
  const client = useRoom((s) => s.client);
  const { run, pending, error } = useAction(async () => {
    if (!client) return;
    const { aborted } = await client.chat.abort({ threadId });
    if (!aborted) throw new Error("Nothing was running any more.");
  });
  return (
    <>
      <button type="button" className="deny small" disabled={pending} onClick={() => run()}>
        {pending ? "Stopping…" : "Stop"}
      </button>
      <FormError error={error} inline />
    </>
  );
}

/**
 * The instance's gateway in one line (lib/instance-status.ts): connected, on its way there
 * (a start or a restart is a phase), or offline and why.
 */
export function BridgeStatus({
  instance,
  quietWhenConnected = false,
}: {
  instance: Instance;
  quietWhenConnected?: boolean;
}) {
  const operation = useRoom((s) => startingOperation(instance.id, s.state.approvals.values()));
  const line = gatewayLine(instance, operation);
  if (!line || (quietWhenConnected && line.state === "connected")) return null;
  return (
    <span className={`bridge bridge-${line.state}`}>
      <span className="bridge-dot" aria-hidden />
      <span>{line.label}</span>
      {line.detail && <span className="bridge-error">{line.detail}</span>}
    </span>
  );
}

/**
 * The instance's gateway sessions, each with Open: the room binds it to a thread
 * (`sessions.open`, created on first open) and the thread opens in the inspector.
 */
export function GatewaySessions({
  instance,
  emptyHint = false,
  limit,
}: {
  instance: Instance;
  emptyHint?: boolean;
  limit?: number;
}) {
  const all = useRoom((s) => s.state.sessions.get(instance.id));
  // Running first, then the most recently active.
  const sorted = useMemo(
    () =>
      [...(all ?? [])].sort((a, b) => Number(b.running) - Number(a.running) || (b.updatedAt ?? 0) - (a.updatedAt ?? 0)),
    [all],
  );
  const sessions = limit === undefined ? sorted : sorted.slice(0, limit);
  const threads = useRoom((s) => s.state.threads);
  const client = useRoom((s) => s.client);
  const canWrite = useCan("write");
  const select = useUi((s) => s.select);
  const {
    run: openSession,
    running,
    error,
  } = useAction(async (key: string) => {
    if (!client) return;
    const { thread } = await client.sessions.open({ instanceId: instance.id, sessionKey: key });
    select(`thread:${thread.id}`, { focus: true });
  });
  const opening = running ?? null;
  // A deleted instance has no sessions to open, whatever list a client still holds.
  if (instance.status === "stopped") return null;
  if (!sessions.length) {
    return emptyHint ? (
      <p className="empty">
        {instance.bridge === "connected" ? "No gateway sessions yet." : "Sessions show once the gateway is connected."}
      </p>
    ) : null;
  }
  const open = (key: string, threadId: string | null) => {
    // A session already open as a thread needs no write access to look at.
    if (!canWrite && threadId && threads.has(threadId)) return select(`thread:${threadId}`, { focus: true });
    openSession(key);
  };
  return (
    <>
      <ul className="session-list" aria-label={`${instance.name} sessions`}>
        {sessions.map((session) => {
          const viewable = canWrite || (session.threadId !== null && threads.has(session.threadId));
          return (
            <li key={session.key} className="session-row">
              <span className={`session-dot ${session.running ? "running" : ""}`} aria-hidden />
              <span className="session-text" title={session.key}>
                <span className="session-label">
                  {/* A session open as a thread goes by the thread's name. */}
                  {(session.threadId && threads.get(session.threadId)?.title) || session.label}
                  {session.running && <span className="sr-only"> (running)</span>}
                </span>
                {session.preview && <span className="session-preview">{session.preview}</span>}
                {!session.preview && session.updatedAt !== null && (
                  <span className="session-preview">{relativeTime(session.updatedAt)}</span>
                )}
              </span>
              <button
                type="button"
                className="small"
                disabled={!viewable || opening !== null}
                onClick={() => open(session.key, session.threadId)}
                aria-label={`Open session ${session.label}`}
                title={viewable ? undefined : "Your role cannot open new sessions."}
              >
                {opening === session.key ? "Opening…" : "Open"}
              </button>
            </li>
          );
        })}
      </ul>
      {sessions.length < sorted.length && (
        <button
          type="button"
          className="link session-more"
          onClick={() => select(`instance:${instance.id}`, { focus: true })}
        >
          Show all {sorted.length} sessions
        </button>
      )}
      <FormError error={error} />
    </>
  );
}
