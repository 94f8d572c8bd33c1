import { submitted } from "../lib/form-submit";
import { useState } from "react";
import type { Instance } from "../../../shared/protocol/instances";
import type { Thread } from "../../../shared/protocol/threads";
import { useAction } from "../lib/action";
import { chatStartPhase, nextInstanceId } from "../lib/chat-start";
import { FormError } from "../lib/form-error";
import { ProgressBar } from "../lib/progress-bar";
import { useCan, useRoom } from "../stores/room";
import { useUi } from "../stores/ui";

/**
 * One consent to a running chat (protocol 7, `instances.startChat`): "Chat with OpenClaw"
 * in a thread's header and on an empty workspace's first-run card, the start's progress in
 * the thread, and "Start a chat" on a ready instance.
 */

const STARTS = "then a gateway starts (~15 s) and answers your message here.";

/** Who confirms the start, from the workspace's policy and this person's scopes (shared/approval-policy.ts). */
function useConsentHint(): string {
  const canApprove = useCan("approve");
  const twoPersonRule = useRoom((s) => s.state.settings.approvals.twoPersonRule);
  if (twoPersonRule)
    return `This workspace has the two-person rule on: another person with the approve scope confirms it in Approvals; ${STARTS}`;
  if (canApprove) return `You confirm it yourself with one click (recorded as self-confirmed); ${STARTS}`;
  return `A person with the approve scope confirms it in Approvals; ${STARTS}`;
}

/** A new thread is named after its first message's first line. */
const titleOf = (text: string) => (text.trim().split("\n")[0] ?? "").slice(0, 60).trim() || "Chat with OpenClaw";

/** The first message and the button that files the one approval; `threadId` absent: a new thread. */
function FirstMessageForm({
  threadId,
  initial = "",
  onStarted,
}: {
  threadId?: string;
  initial?: string;
  onStarted?: (threadId: string) => void;
}) {
  const client = useRoom((s) => s.client);
  const instances = useRoom((s) => s.state.instances);
  const [text, setText] = useState(initial);
  const hint = useConsentHint();
  const { run, pending, error } = useAction(async () => {
    if (!client || !text.trim()) return;
    const { thread } = await client.instances.startChat({
      instanceId: nextInstanceId(instances.values()),
      name: "OpenClaw",
      ...(threadId ? { threadId } : { title: titleOf(text) }),
      text: text.trim(),
    });
    setText("");
    onStarted?.(thread.id);
  });
  const id = `first-message-${threadId ?? "new"}`;
  return (
    <form className="chat-start-form" onSubmit={submitted(run)}>
      <label htmlFor={id}>Your first message to OpenClaw</label>
      <textarea
        id={id}
        rows={2}
        value={text}
        onChange={(e) => setText(e.target.value)}
        disabled={pending}
        placeholder="What should it do?"
      />
      <p className="muted small">{hint}</p>
      <button type="submit" className="primary small" disabled={pending || !text.trim()}>
        {pending ? "Asking…" : "Ask to start OpenClaw"}
      </button>
      <FormError error={error} />
    </form>
  );
}

/** In a thread's header: offered while the thread talks to no instance and none is starting for it. */
export function ChatWithOpenClaw({ thread, retryText }: { thread: Thread; retryText?: string }) {
  const canWrite = useCan("write");
  const [open, setOpen] = useState(false);
  const active = thread.chatStart && thread.chatStart.state !== "failed";
  if (!canWrite || thread.gateway || active || thread.archived) return null;
  return open ? (
    <FirstMessageForm threadId={thread.id} initial={retryText} onStarted={() => setOpen(false)} />
  ) : (
    <button type="button" className="small chat-with-openclaw" onClick={() => setOpen(true)}>
      {thread.chatStart?.state === "failed" ? "Try OpenClaw again" : "Chat with OpenClaw"}
    </button>
  );
}

/** The start's phases as one bar in the thread, until the gateway is connected; or why it failed. */
export function ChatStartProgress({ thread }: { thread: Thread }) {
  const start = thread.chatStart;
  const approval = useRoom((s) => (start ? s.state.approvals.get(start.approvalId) : undefined));
  const instance = useRoom((s) => (start ? s.state.instances.get(start.instanceId) : undefined));
  const job = useRoom((s) => (instance?.jobId ? s.state.jobs.get(instance.jobId) : undefined));
  const phase = chatStartPhase(thread, approval, instance, job);
  if (!phase) return null;
  if (phase.tone === "failed") {
    return (
      <p className="chat-start failed form-error" role="alert">
        {phase.label} Your first message was not sent.
      </p>
    );
  }
  return (
    <div className={`chat-start ${phase.tone}`} role="status" aria-label="Starting OpenClaw">
      {/* Waiting: no progress, the bar is full and shimmers (chat-start.css). */}
      <ProgressBar label={phase.label} now={phase.progress} large />
      <p className="small">
        {phase.label}
        {phase.progress !== null && ` · ${phase.progress}%`}
      </p>
    </div>
  );
}

/** The first-run card: an empty workspace (no threads, no instances) starts with one message. */
export function FirstRunCard() {
  const empty = useRoom((s) => s.status === "connected" && s.state.threads.size === 0 && s.state.instances.size === 0);
  const canWrite = useCan("write");
  const select = useUi((s) => s.select);
  if (!empty || !canWrite) return null;
  return (
    <section className="first-run" aria-labelledby="first-run-h">
      <h2 id="first-run-h">Chat with OpenClaw</h2>
      <p>
        Start a hosted OpenClaw agent for this workspace and give it its first task — one approval, and it answers in a
        new thread.
      </p>
      <FirstMessageForm onStarted={(threadId) => select(`thread:${threadId}`, { focus: true })} />
    </section>
  );
}

/** On a ready instance: a new thread attached to it, opened. */
export function StartChatButton({ instance }: { instance: Instance }) {
  const client = useRoom((s) => s.client);
  const canWrite = useCan("write");
  const select = useUi((s) => s.select);
  const { run, pending, error } = useAction(async () => {
    if (!client) return;
    const { thread } = await client.threads.create({ title: `Chat with ${instance.name}` });
    await client.instances.attach({ instanceId: instance.id, threadId: thread.id });
    select(`thread:${thread.id}`, { focus: true });
  });
  if (instance.status !== "ready" || !canWrite) return null;
  return (
    <div className="button-row">
      <button type="button" className="primary small" disabled={pending} onClick={() => run()}>
        {pending ? "Starting…" : "Start a chat"}
      </button>
      <FormError error={error} />
    </div>
  );
}
