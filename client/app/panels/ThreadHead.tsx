import { useState } from "react";
import { sessionWords } from "../../../shared/plain-words";
import type { Message, Thread } from "../../../shared/protocol/threads";
import { FollowButton } from "../inbox/InboxPanel";
import { relativeTime } from "../lib/format";
import { useRoom } from "../stores/room";
import { ChatWithOpenClaw } from "./ChatStart";
import { BridgeStatus } from "./Gateway";
import { ThreadProject } from "./ProjectView";
import { ResponderPicker } from "./Responder";
import { ThreadTask } from "./TaskView";
import { NewScheduleButton, ThreadSchedules } from "./schedules/Schedules";
import { ToolsetSection } from "./toolset/Toolset";

/** "A Telegram chat" within a sentence: "a Telegram chat". */
const inSentence = (words: string) => `${words[0]?.toLowerCase() ?? ""}${words.slice(1)}`;

/**
 * A thread's head in the inspector, kept short so the chat under it has the room: the
 * title, one line of who started it, then who answers as one line whose settings unfold on
 * demand (open while the thread has no messages yet, when they are what one sets up), and
 * the thread's tools on one row.
 */
export function ThreadHead({ thread, messages }: { thread: Thread; messages: readonly Message[] | undefined }) {
  const instance = useRoom((s) => (thread.gateway ? s.state.instances.get(thread.gateway.instanceId) : undefined));
  const model = useRoom((s) => s.agentModel);
  const [settingsOpen, setSettingsOpen] = useState(thread.messageCount === 0);
  return (
    <header className="inspector-head thread-head">
      <div className="thread-eyebrow">
        <span className="eyebrow">Thread</span>
        {!thread.archived && (
          <NewScheduleButton
            where={{ threadId: thread.id, name: thread.title }}
            className="link small thread-schedule"
          />
        )}
        <FollowButton threadId={thread.id} />
      </div>
      <h2>{thread.title}</h2>
      <p className="muted small thread-meta">
        started by {thread.createdBy.name} · {relativeTime(thread.createdAt)} · {thread.messageCount} message
        {thread.messageCount === 1 ? "" : "s"}
      </p>
      <ThreadProject threadId={thread.id} />
      <ThreadSchedules threadId={thread.id} />
      {thread.gateway && (
        <p className="muted small gateway-line">
          Talks to <strong>{instance?.name ?? thread.gateway.instanceId}</strong> ·{" "}
          <span title={thread.gateway.sessionKey}>{inSentence(sessionWords(thread.gateway.sessionKey))}</span>
          {instance && <BridgeStatus instance={instance} quietWhenConnected />}
        </p>
      )}
      <details className="thread-settings" open={settingsOpen} onToggle={(e) => setSettingsOpen(e.currentTarget.open)}>
        <summary className="muted small">{answeredBy(thread, instance?.name, model?.configured === false)}</summary>
        <ResponderPicker threadId={thread.id} />
      </details>
      <div className="thread-tools">
        <ThreadTask threadId={thread.id} />
        <ToolsetSection where={{ threadId: thread.id }} />
        <ChatWithOpenClaw
          thread={thread}
          retryText={
            thread.chatStart?.state === "failed"
              ? messages?.find((m) => m.id === thread.chatStart?.messageId)?.text
              : undefined
          }
        />
      </div>
    </header>
  );
}

/** Who answers here, as the folded settings' one line. */
function answeredBy(thread: Thread, instanceName: string | undefined, noModel: boolean): string {
  const r = thread.responder;
  // A person's @autopilot is the Autopilot's, not the instance's (shared/responder.ts).
  if (r.kind === "openclaw")
    return `OpenClaw${instanceName ? ` (${instanceName})` : ""} answers here${noModel ? "" : "; a message naming @autopilot goes to the Autopilot instead"}`;
  if (r.kind !== "autopilot") return "Nobody answers automatically here";
  const who = r.agents ? "people and agents" : "people";
  return `The Autopilot${noModel ? " (no model configured)" : ""} answers ${r.reply === "mention" ? `${who} who @mention it` : who}`;
}
