import { type Approval, ApprovalResult, ApprovalsListResult } from "../approvals";
import { InstancesStartChatResult } from "../chat-start";
import type { HelloPayload } from "../hello";
import { CHANNEL_OPERATIONS, type InstanceDetails, InstancesDetailsResult } from "../instances";
import { Methods } from "../methods";
import { DEFAULT_SETTINGS } from "../settings";
import {
  ChatSendResult,
  type Message,
  MessagesListResult,
  SessionsSendResult,
  type Thread,
  ThreadResult,
  ThreadsListResult,
} from "../threads";
import type { Cut } from "./cut";

/**
 * Protocol 8 → 7. Added in 8: an approval's `summary`, `onBehalfOf` and `selfConfirmed`; a
 * thread's `waiting` and its responder's `agents`; the snapshot's `settings`; the events
 * `settings.changed` (durable: an unknown event to 7), `inbox.updated` and `instance.devices` (dropped); a
 * message's `attachments` (a 7 client sees the message's text only); an instance's details'
 * `nodes`; the channel methods, and their approvals' operations (a 7 client sees such an
 * approval without its action).
 */
type Obj = Record<string, unknown>;
const without = <T extends Obj>(value: T, keys: readonly string[]): Obj =>
  Object.fromEntries(Object.entries(value).filter(([key]) => !keys.includes(key)));

/** A channel operation is unknown to 7: its approval reaches a 7 client as one without an action (the title says what it is). */
const action = (a: Approval["action"]): Obj | null | undefined =>
  a?.kind === "instance" ? (CHANNEL_OPERATIONS.has(a.operation) ? null : without(a, ["channel"])) : a;
const approval = (a: Approval): Obj => ({
  ...without(a, ["summary", "onBehalfOf", "selfConfirmed"]),
  ...(a.action !== undefined ? { action: action(a.action) } : {}),
});
const thread = (t: Thread): Obj => ({ ...without(t, ["waiting"]), responder: without(t.responder, ["agents"]) });
const message = (m: Message): Obj => without(m, ["attachments"]);

/** The hello names the version the socket speaks: a client checks it against its own. */
const hello = (h: HelloPayload): Obj => ({
  ...h,
  protocol: 7,
  snapshot: h.snapshot && {
    ...without(h.snapshot, ["settings"]),
    threads: h.snapshot.threads.map(thread),
    approvals: h.snapshot.approvals.map(approval),
  },
});
const threadPayload = (p: { thread: Thread }): Obj => ({ ...p, thread: thread(p.thread) });
const approvalPayload = (p: { approval: Approval }): Obj => ({ ...p, approval: approval(p.approval) });

const threads = (p: { threads: Thread[] }): Obj => ({ ...p, threads: p.threads.map(thread) });
const approvals = (p: { approvals: Approval[] }): Obj => ({ ...p, approvals: p.approvals.map(approval) });
const startChat = (p: { approval: Approval; thread: Thread; message: Message }): Obj => ({
  ...p,
  approval: approval(p.approval),
  thread: thread(p.thread),
  message: message(p.message),
});
const messagePayload = (p: { message: Message }): Obj => ({ ...p, message: message(p.message) });
const sessionsSend = (p: { thread: Thread; message: Message }): Obj => ({
  ...p,
  thread: thread(p.thread),
  message: message(p.message),
});
const messages = (p: { messages: Message[] }): Obj => ({ ...p, messages: p.messages.map(message) });
const details = (p: { details: InstanceDetails }): Obj => ({ ...p, details: without(p.details, ["nodes"]) });

/** Every method whose result carries a thread, a message or an approval, by its result schema. */
const BY_RESULT = new Map<unknown, (payload: never) => unknown>([
  [ThreadResult, threadPayload],
  [SessionsSendResult, sessionsSend],
  [ChatSendResult, messagePayload],
  [MessagesListResult, messages],
  [ThreadsListResult, threads],
  [ApprovalResult, approvalPayload],
  [ApprovalsListResult, approvals],
  [InstancesStartChatResult, startChat],
  [InstancesDetailsResult, details],
]);

// Up: what 8 added, as 8 defines it for data from before it (a message from 7 has no attachments: none to fill in).
const approvalUp = (a: Obj): Obj => ({
  summary: String(a.title ?? "").slice(0, 500),
  onBehalfOf: null,
  selfConfirmed: false,
  ...a,
});
const threadUp = (t: Obj): Obj => ({ ...t, responder: { agents: false, ...(t.responder as Obj) } });
const helloUp = (h: Obj): Obj => {
  const snapshot = h.snapshot as Obj | null;
  return {
    ...h,
    protocol: 8,
    snapshot: snapshot && {
      settings: DEFAULT_SETTINGS,
      ...snapshot,
      threads: (snapshot.threads as Obj[]).map(threadUp),
      approvals: (snapshot.approvals as Obj[]).map(approvalUp),
    },
  };
};
const threadPayloadUp = (p: Obj): Obj => ({ ...p, thread: threadUp(p.thread as Obj) });
const approvalPayloadUp = (p: Obj): Obj => ({ ...p, approval: approvalUp(p.approval as Obj) });
const BY_RESULT_UP = new Map<unknown, (payload: never) => unknown>([
  [ThreadResult, threadPayloadUp],
  [SessionsSendResult, threadPayloadUp],
  [ThreadsListResult, (p: Obj): Obj => ({ ...p, threads: (p.threads as Obj[]).map(threadUp) })],
  [ApprovalResult, approvalPayloadUp],
  [ApprovalsListResult, (p: Obj): Obj => ({ ...p, approvals: (p.approvals as Obj[]).map(approvalUp) })],
  [
    InstancesStartChatResult,
    (p: Obj): Obj => ({ ...p, approval: approvalUp(p.approval as Obj), thread: threadUp(p.thread as Obj) }),
  ],
  [InstancesDetailsResult, (p: Obj): Obj => ({ ...p, details: { nodes: null, ...(p.details as Obj) } })],
]);

/** Methods protocol 8 added: a 7 client never calls them. */
const NEW_IN_8 = new Set([
  "chat.goAhead",
  "settings.update",
  "inbox.get",
  "inbox.markRead",
  "inbox.follow",
  "inbox.configure",
  "inbox.pushSubscribe",
  "inbox.pushUnsubscribe",
  "search.query",
  "instances.deviceSetup",
  "instances.invokeNode",
  "instances.channels",
  "instances.configureChannel",
  "instances.disconnectChannel",
  "instances.setChannelAccess",
]);

export const cut8: Cut = {
  from: 8,
  events: {
    hello,
    "thread.created": threadPayload,
    "thread.renamed": threadPayload,
    "thread.archived": threadPayload,
    "thread.restored": threadPayload,
    "thread.updated": threadPayload,
    "message.created": messagePayload,
    "approval.requested": approvalPayload,
    "approval.resolved": approvalPayload,
    "inbox.updated": () => null,
    "instance.devices": () => null,
  },
  results: byResult(BY_RESULT),
  up: {
    events: {
      hello: helloUp,
      "thread.created": threadPayloadUp,
      "thread.renamed": threadPayloadUp,
      "thread.archived": threadPayloadUp,
      "thread.restored": threadPayloadUp,
      "thread.updated": threadPayloadUp,
      "approval.requested": approvalPayloadUp,
      "approval.resolved": approvalPayloadUp,
    },
    results: byResult(BY_RESULT_UP),
  },
};

function byResult(map: Map<unknown, (payload: never) => unknown>): Record<string, (payload: never) => unknown> {
  return Object.fromEntries(
    Object.entries(Methods).flatMap(([name, method]) => {
      const convert = map.get(method.result);
      return convert && !NEW_IN_8.has(name) ? [[name, convert]] : [];
    }),
  );
}
