import { submitted } from "../lib/form-submit";
import { useCallback, useEffect, useMemo, useState, type KeyboardEvent } from "react";
import { ScheduleView } from "./schedules/ScheduleView";
import { ApprovalAsked, ApprovalSummary } from "./ApprovalContext";
import { useAction } from "../lib/action";
import { clockTime, relativeTime } from "../lib/format";
import { firstMessageMark } from "../lib/chat-start";
import { useCan, useRoom } from "../stores/room";
import { useUi } from "../stores/ui";
import { useMarkShownRead } from "../stores/unread";
import { approvalStatusWords, plainMessage, statusWords } from "../../../shared/plain-words";
import { ApprovalReachLine } from "./ApprovalReach";
import { ApprovalActionDetails, ApprovalActions } from "./ApprovalActions";
import { BridgeStatus, GatewaySessions, MessageItem, StopButton, StreamingReply, useThreadStreams } from "./Gateway";
import { InstanceLifecycle } from "./InstanceLifecycle";
import { InstanceName } from "./InstanceName";
import { MentionInput } from "./MentionInput";
import { NoteOrGroupView } from "./NoteView";
import { NodeComments } from "./NodeComments";
import { ProjectView } from "./ProjectView";
import { ChatStartProgress, FirstRunCard, StartChatButton } from "./ChatStart";
import { RunWaiting } from "./RunWaiting";
import { SessionView } from "./SessionView";
import { ThreadApprovals } from "./ThreadApprovals";
import { ToolCallGroup } from "./ToolCall";
import { foldToolRuns } from "../lib/tool-words";
import { TaskView } from "./TaskView";
import { FormError } from "../lib/form-error";
import { ProgressBar } from "../lib/progress-bar";
import { useStickToBottom } from "../lib/stick-to-bottom";
import { AttachButton, PendingFiles } from "./attachments/AttachmentPicker";
import { usePendingFiles } from "./attachments/pending";
import { useMessageFocus } from "../palette/message-focus";
import { ThreadHead } from "./ThreadHead";
import { useOutbox } from "../stores/outbox";
import { OutgoingMessages } from "./Outgoing";

/**
 * The right-hand inspector: whatever is selected, opened. Domain entities come from the
 * room state (so they work even before their canvas node exists); notes and groups from
 * the Hatchery document.
 */

function ThreadView({ threadId }: { threadId: string }) {
  const thread = useRoom((s) => s.state.threads.get(threadId));
  const page = useRoom((s) => s.threadMessages.get(threadId));
  const loadMessages = useRoom((s) => s.loadMessages);
  const client = useRoom((s) => s.client);
  const status = useRoom((s) => s.status);
  // Opened from what the device kept (the server out of reach): a message waits in the outbox,
  // and the room, once back, takes or refuses it by the person's role.
  const mayWrite = useCan("write");
  const kept = useRoom((s) => s.kept);
  const canWrite = mayWrite || kept;
  const [draft, setDraft] = useState("");
  const pending = usePendingFiles(useRoom((s) => s.workspaceId));
  const messages = page?.messages;
  const streams = useThreadStreams(threadId);
  // Approvals whose tool call already landed as a message (which shows the outcome).
  const decidedCalls = useMemo(
    () => new Set((messages ?? []).flatMap((m) => (m.tool?.approvalId ? [m.tool.approvalId] : []))),
    [messages],
  );
  const streamedLength = streams.reduce((total, stream) => total + stream.text.length + 1, 0);
  const outgoing = useOutbox((s) => s.messages.filter((m) => m.threadId === threadId).length);
  // Follows the list as it grows: a message, more streamed text, a line saying what waits.
  const {
    list,
    stick: stickToBottom,
    onScroll,
  } = useStickToBottom<HTMLOListElement>([messages?.length, streamedLength, thread?.waiting, outgoing]);
  const sendToOutbox = useOutbox((s) => s.send);
  // Enter and the Send button go by the same rule. Sending never waits on the room: the
  // message joins the outbox (stores/outbox.ts) and shows as "sending…" until the room has it.
  const canSend = Boolean(client) && !pending.uploading && (draft.trim() !== "" || pending.ready.length > 0);
  const send = () => {
    if (!canSend || !client) return;
    stickToBottom.current = true;
    sendToOutbox(client, { threadId, text: draft.trim(), attachments: [...pending.ready] });
    setDraft("");
    pending.clear();
  };

  useEffect(() => {
    if (status === "connected") void loadMessages(threadId);
  }, [threadId, status, loadMessages]);
  useMessageFocus(
    threadId,
    page,
    list,
    stickToBottom,
    useCallback(() => void loadMessages(threadId, true), [threadId, loadMessages]),
  );

  // What is shown while the tab is visible is read, on every device of this person (stores/unread.ts).
  useMarkShownRead(threadId, messages);

  if (!thread) return <p className="empty">This thread is not in the workspace (any more).</p>;

  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    // Enter sends; Shift+Enter is a new line (and IME composition is left alone).
    if (e.key === "Enter" && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      send();
    }
  };

  return (
    <div className="thread-view" data-thread-id={threadId}>
      <ThreadHead thread={thread} messages={messages} />
      <ChatStartProgress thread={thread} />
      <ol className="messages" ref={list} aria-label="Messages" aria-live="polite" onScroll={onScroll}>
        {page?.hasMore && (
          <li className="load-more">
            <button
              type="button"
              className="link"
              disabled={page.loading}
              onClick={() => void loadMessages(threadId, true)}
            >
              {page.loading ? "Loading…" : "Load earlier messages"}
            </button>
          </li>
        )}
        {!page || (page.loading && page.messages.length === 0) ? (
          <li className="empty">Loading messages…</li>
        ) : page.messages.length === 0 && streams.length === 0 ? (
          <li className="empty">
            No messages yet.{" "}
            {canWrite ? "Write the first one below — agents watching this workspace see it at once." : ""}
          </li>
        ) : (
          // A run's consecutive tool calls read as one block (lib/tool-words.ts), not one message each.
          foldToolRuns(page.messages).map((run) =>
            run.kind === "calls" ? (
              <ToolCallGroup key={run.messages[0]!.id} messages={run.messages} />
            ) : (
              <MessageItem key={run.message.id} message={run.message} mark={firstMessageMark(thread, run.message.id)} />
            ),
          )
        )}
        <OutgoingMessages threadId={threadId} />
        {streams.map((stream) => (
          <StreamingReply key={stream.runId} stream={stream} />
        ))}
        <ThreadApprovals threadId={threadId} decidedCalls={decidedCalls} />
        <RunWaiting thread={thread} />
        {page?.error && (
          <li className="form-error" role="alert">
            Could not load messages: {page.error}
          </li>
        )}
      </ol>
      {canWrite ? (
        <form
          className="composer"
          onSubmit={submitted(send)}
          onPaste={(e) => e.clipboardData.files.length > 0 && (e.preventDefault(), pending.add(e.clipboardData.files))}
          onDragOver={(e) => e.dataTransfer.types.includes("Files") && e.preventDefault()}
          onDrop={(e) => e.dataTransfer.files.length > 0 && (e.preventDefault(), pending.add(e.dataTransfer.files))}
        >
          <label className="sr-only" htmlFor="composer">
            Message
          </label>
          <MentionInput
            id="composer"
            placeholder={`Message ${thread.title}`}
            value={draft}
            onChange={setDraft}
            onKeyDown={onKeyDown}
            messages={messages}
          />
          <PendingFiles pending={pending} />
          <div className="composer-foot">
            <span className="muted small">Enter to send · Shift+Enter for a new line · @ to mention</span>
            <span className="composer-actions">
              {streams.length > 0 && <StopButton threadId={threadId} />}
              <AttachButton pending={pending} />
              <button type="submit" className="primary small" disabled={!canSend}>
                Send
              </button>
            </span>
          </div>
        </form>
      ) : (
        <p className="hint">You can read this thread; your role cannot post.</p>
      )}
    </div>
  );
}

function ApprovalView({ approvalId }: { approvalId: string }) {
  const approval = useRoom((s) => s.state.approvals.get(approvalId));
  const thread = useRoom((s) => (approval?.threadId ? s.state.threads.get(approval.threadId) : undefined));
  const select = useUi((s) => s.select);
  if (!approval) return <p className="empty">This approval is no longer kept by the room.</p>;
  return (
    <div className="approval-view">
      <header className="inspector-head">
        <span className="eyebrow">Approval request</span>
        <h2>{approval.title}</h2>
        <ApprovalSummary approval={approval} />
        <ApprovalAsked approval={approval} />
        <ApprovalReachLine approval={approval} />
      </header>
      <ApprovalActions approval={approval} />
      <dl className="facts">
        <dt>Risk</dt>
        <dd>
          <span className={`chip risk-${approval.risk}`}>{approval.risk}</span>
        </dd>
        <dt>Status</dt>
        <dd>
          <span className={`chip chip-${approval.status}`}>{approvalStatusWords(approval)}</span>
        </dd>
        {thread && (
          <>
            <dt>Thread</dt>
            <dd>
              <button type="button" className="link" onClick={() => select(`thread:${thread.id}`, { focus: true })}>
                {thread.title}
              </button>
            </dd>
          </>
        )}
      </dl>
      <ApprovalActionDetails approval={approval} />
      {approval.details ? (
        <pre className="details">{approval.details}</pre>
      ) : !approval.action || approval.action.kind === "instance" ? (
        <p className="muted small">No details given.</p>
      ) : null}
    </div>
  );
}

function JobView({ jobId }: { jobId: string }) {
  const job = useRoom((s) => s.state.jobs.get(jobId));
  const history = useRoom((s) => s.jobHistory.get(jobId));
  const client = useRoom((s) => s.client);
  const canWrite = useCan("write");
  const {
    run: cancel,
    pending: busy,
    error,
  } = useAction(async () => {
    if (!client) return;
    await client.jobs.cancel({ jobId });
  });
  if (!job) return <p className="empty">This job is no longer kept by the room.</p>;
  const active = job.status === "running";
  return (
    <div className="job-view">
      <header className="inspector-head">
        <span className="eyebrow">Job</span>
        <h2>{job.title}</h2>
        <p className="muted small">
          by {job.owner.name}
          {job.owner.kind === "agent" && <span className="agent-chip">agent</span>} · started{" "}
          {relativeTime(job.startedAt)}
        </p>
      </header>
      <ProgressBar label={`${job.title} progress`} now={job.progress} large />
      <p>
        <span className={`chip chip-${job.status}`}>{statusWords("job", job.status)}</span> {Math.round(job.progress)}%{" "}
        {job.message && `· ${job.message}`}
      </p>
      {job.error && <p className="form-error">{job.error}</p>}
      {job.cancelRequestedBy && (
        <p className="muted small">Cancel requested by {job.cancelRequestedBy.name}; the job’s owner stops it.</p>
      )}
      <h3>Progress</h3>
      <ol className="history">
        {(history ?? []).length === 0 ? (
          <li className="muted small">Updates appear here as the owner reports them.</li>
        ) : (
          // Newest first; an entry's place in the history (counted from the oldest) is its key.
          history!
            .map((p, n) => ({ ...p, n }))
            .reverse()
            .map((p) => (
              <li key={p.n}>
                <time>{clockTime(p.at)}</time> <strong>{Math.round(p.progress)}%</strong>{" "}
                {p.status !== "running" && (
                  <span className={`chip chip-${p.status}`}>{statusWords("job", p.status)}</span>
                )}{" "}
                {p.message}
              </li>
            ))
        )}
      </ol>
      {active && (
        <div className="button-row">
          <button
            type="button"
            className="deny"
            disabled={!canWrite || busy}
            onClick={() => cancel()}
            title={canWrite ? undefined : "Your role cannot cancel jobs."}
          >
            {busy ? "Requesting…" : "Cancel job"}
          </button>
        </div>
      )}
      <FormError error={error} />
    </div>
  );
}

function InstanceView({ instanceId }: { instanceId: string }) {
  const instance = useRoom((s) => s.state.instances.get(instanceId));
  const threads = useRoom((s) => s.state.threads);
  const select = useUi((s) => s.select);
  // A deleted instance is kept by the room as "stopped": nothing of it is left to act on or open.
  if (!instance || instance.status === "stopped")
    return <p className="empty">This instance is not in the workspace (any more).</p>;
  const busy = instance.status === "provisioning" || instance.status === "starting";
  return (
    <div className="instance-view">
      <header className="inspector-head">
        <span className="eyebrow">OpenClaw instance</span>
        <InstanceName instance={instance} />
        <p className="muted small">
          {instance.id} · by {instance.createdBy.name} · {relativeTime(instance.createdAt)}
        </p>
      </header>
      <dl className="facts">
        <dt>Status</dt>
        <dd>
          <span className={`chip instance-${instance.status}`}>{statusWords("instance", instance.status)}</span>{" "}
          {instance.phase.toLowerCase() !== instance.status && instance.phase}
        </dd>
        {instance.bridge && (
          <>
            <dt>Gateway</dt>
            <dd>
              <BridgeStatus instance={instance} />
            </dd>
          </>
        )}
        {instance.threadIds.length > 0 && (
          <>
            <dt>Threads</dt>
            <dd>
              {instance.threadIds.map((id, i) => (
                <span key={id}>
                  {i > 0 && ", "}
                  <button type="button" className="link" onClick={() => select(`thread:${id}`, { focus: true })}>
                    {threads.get(id)?.title ?? id}
                  </button>
                </span>
              ))}
            </dd>
          </>
        )}
      </dl>
      {busy && (
        <ProgressBar
          label={`${instance.name}: ${instance.phase}`}
          now={Math.round(instance.progress)}
          percent={instance.progress}
          large
        />
      )}
      {instance.error && (
        <p className="form-error" role="alert">
          {plainMessage(instance.error)}
        </p>
      )}
      <StartChatButton instance={instance} />
      <InstanceLifecycle instance={instance} />
      <h3>Sessions</h3>
      <GatewaySessions instance={instance} emptyHint />
    </div>
  );
}

/** What is selected, and the comments on its canvas node (open at once for notes and groups, whose view is short). */
export function Inspector() {
  const selectedId = useUi((s) => s.selectedId);
  return (
    <>
      <InspectorView />
      {selectedId && <NodeComments key={selectedId} nodeId={selectedId} open={/^(note|group):/.test(selectedId)} />}
    </>
  );
}

function InspectorView() {
  const selectedId = useUi((s) => s.selectedId);
  if (!selectedId) {
    return (
      <div className="empty-state">
        <h2>Nothing selected</h2>
        <p>
          Click a thread or instance on the canvas, an entry of its activity or a row of Needs attention — or pick a
          thread on the left — to open it here. Use Tab to move between nodes, Enter to select, and the arrow keys to
          move the selected one (Shift for bigger steps).
        </p>
        <FirstRunCard />
      </div>
    );
  }
  const [kind, ...rest] = selectedId.split(":");
  const ref = rest.join(":");
  if (kind === "thread") return <ThreadView key={ref} threadId={ref} />;
  if (kind === "approval") return <ApprovalView key={ref} approvalId={ref} />;
  if (kind === "job") return <JobView key={ref} jobId={ref} />;
  if (kind === "instance") return <InstanceView key={ref} instanceId={ref} />;
  if (kind === "task") return <TaskView key={ref} taskId={ref} />;
  if (kind === "project") return <ProjectView key={ref} projectId={ref} />;
  if (kind === "schedule") return <ScheduleView key={ref} scheduleId={ref} />;
  if (kind === "note" || kind === "group") return <NoteOrGroupView key={selectedId} nodeId={selectedId} />;
  if (kind === "session")
    return <SessionView key={selectedId} nodeId={selectedId} thread={(id) => <ThreadView key={id} threadId={id} />} />;
  return <p className="empty">Nothing to show for {selectedId} yet.</p>;
}
