import type { Instance } from "../../shared/protocol/instances";
import type { Approval } from "../../shared/protocol/approvals";
import type { ChatStream, GatewaySession } from "../../shared/protocol/gateway";
import type { HelloPayload, Snapshot, SnapshotMore } from "../../shared/protocol/hello";
import type { PageCursor } from "../../shared/protocol/paging";
import { FINISHED_JOB_STATUSES, type Job, withJobChange } from "../../shared/protocol/jobs";
import type { PresencePerson, PresenceSummary } from "../../shared/protocol/presence";
import type { Project } from "../../shared/protocol/projects";
import type { ThreadRead, ThreadReads } from "../../shared/protocol/reads";
import { type Task, withTaskChange } from "../../shared/protocol/tasks";
import { isWholeDelta } from "../../shared/protocol/gateway";
import { DEFAULT_SETTINGS, type WorkspaceSettings } from "../../shared/protocol/settings";
import type { Thread } from "../../shared/protocol/threads";
import { NOTHING_LEFT_OUT } from "../../shared/empty-snapshot";
import type { ReceivedEvent } from "./frames";
import { withBump, withLive, withoutStream } from "./live-state";

export { diffStreams, type StreamChange, threadStreams, withLive, withViewed } from "./live-state";

/**
 * What a client knows about its workspace, rebuilt from `hello` snapshots and kept current
 * by events. Immutable: every change produces a new object (and new maps only for the
 * collections that changed), so UIs can compare by identity.
 */
export interface WorkspaceState {
  /** The room's event-log identity; `lastSeq` is only meaningful within it. */
  readonly epoch: string | null;
  /** Highest durable `seq` applied; null until the first hello. */
  readonly lastSeq: number | null;
  readonly threads: ReadonlyMap<string, Thread>;
  readonly approvals: ReadonlyMap<string, Approval>;
  readonly jobs: ReadonlyMap<string, Job>;
  /**
   * The people the room shows (protocol 17), by principal id, in order of arrival: the first
   * few to arrive, bounded whatever the workspace's size (`online` counts everyone; the rest
   * is one `presence.list` away). Replaced by every hello and `presence.summary`.
   */
  readonly presence: ReadonlyMap<string, PresencePerson>;
  /** How many people and sockets are here, and how many of the sockets are this principal's own (protocol 17). */
  readonly online: Readonly<Online>;
  readonly instances: ReadonlyMap<string, Instance>;
  /**
   * Projects (protocol 9): those not archived from the hello (the newest, bounded; the rest
   * listable from `more.projects`), and every project an event told of since, archived ones
   * included.
   */
  readonly projects: ReadonlyMap<string, Project>;
  /** Tasks (protocol 9) an event told of since connecting; `tasks.list` reads the rest. */
  readonly tasks: ReadonlyMap<string, Task>;
  /** The workspace's settings (protocol 8): who decides approvals, how long they wait. */
  readonly settings: WorkspaceSettings;
  /**
   * Replies streaming right now, keyed by `runId` (protocol 4; `instanceId` null = the
   * Autopilot's own model, protocol 5). Ephemeral: replaced
   * by every hello's `live`, grown by `chat.delta`, ended by the reply's `message.created`
   * (same `runId`), `chat.final` or `chat.error`.
   */
  readonly streams: ReadonlyMap<string, ChatStream>;
  /** Each instance's gateway sessions, keyed by instance id, as last announced (protocol 4). */
  readonly sessions: ReadonlyMap<string, readonly GatewaySession[]>;
  /**
   * This principal's read markers by thread id (protocol 10): replaced by every hello, moved
   * forward by `thread.read` (sent to this principal's sockets only). See `unreadIn`.
   */
  readonly reads: ReadonlyMap<string, ThreadRead>;
  /**
   * What the bounded hello left out (protocol 7) and not loaded since: threads, pending
   * approvals and unfinished jobs (`left`), each listable from `next` (see `applyPage`).
   */
  readonly more: SnapshotMore;
}

/** Collections a hello may leave partly out, and the list method that pages each. */
export type PagedKind = "threads" | "approvals" | "jobs" | "projects";

/**
 * Resolved approvals and finished jobs kept beyond the pending/running ones, like the
 * snapshot does, so a client watching for weeks does not grow without bound.
 */
export const RETAINED_FINISHED = 200;

/** A snapshot that left nothing out: no list has older pages to load. */
export const noMore: SnapshotMore = NOTHING_LEFT_OUT;

/** What `WorkspaceState.online` counts. */
export interface Online {
  people: number;
  connections: number;
  own: number;
}

export const emptyState: WorkspaceState = {
  epoch: null,
  lastSeq: null,
  threads: new Map(),
  approvals: new Map(),
  jobs: new Map(),
  presence: new Map(),
  online: { people: 0, connections: 0, own: 0 },
  instances: new Map(),
  projects: new Map(),
  tasks: new Map(),
  settings: DEFAULT_SETTINGS,
  streams: new Map(),
  sessions: new Map(),
  reads: new Map(),
  more: noMore,
};

const byId = <T extends { id: string }>(items: readonly T[]): Map<string, T> =>
  new Map(items.map((item) => [item.id, item]));

export function stateFromSnapshot(snapshot: Snapshot, epoch: string, seq: number): WorkspaceState {
  return {
    epoch,
    lastSeq: seq,
    threads: byId(snapshot.threads),
    approvals: byId(snapshot.approvals),
    jobs: byId(snapshot.jobs),
    presence: new Map(),
    online: emptyState.online,
    instances: byId(snapshot.instances ?? []),
    projects: byId(snapshot.projects),
    tasks: new Map(),
    settings: snapshot.settings,
    streams: new Map(),
    sessions: new Map(),
    reads: new Map(),
    more: snapshot.more,
  };
}

/**
 * Merges a page a list method returned for what the hello left out: adds the items not
 * known yet (an event may have brought some already, newer) and moves the cursor on.
 */
export function applyPage(
  state: WorkspaceState,
  kind: PagedKind,
  items: readonly (Thread | Approval | Job | Project)[],
  next: PageCursor | null,
): WorkspaceState {
  const current = state[kind] as ReadonlyMap<string, Thread | Approval | Job | Project>;
  const merged = new Map(current);
  let added = 0;
  for (const item of items) {
    if (merged.has(item.id)) continue;
    merged.set(item.id, item);
    added++;
  }
  const left = next === null ? 0 : Math.max(0, state.more[kind].left - added);
  return { ...state, [kind]: merged, more: { ...state.more, [kind]: { left, next } } };
}

/** An event about an item the hello left out: it is known now, one fewer is left to list. */
function loadedOne(state: WorkspaceState, kind: PagedKind, id: string): WorkspaceState {
  const more = state.more[kind];
  if (more.left === 0 || (state[kind] as ReadonlyMap<string, unknown>).has(id)) return state;
  return { ...state, more: { ...state.more, [kind]: { ...more, left: more.left - 1 } } };
}

/**
 * - `snapshot`: state replaced from the hello (first connect, or `reset` after a gap too old);
 * - `resume`: state kept, the missed events follow on the socket;
 * - `resync`: the room's log is not the one our `lastSeq` belongs to and it sent no
 *   snapshot; the caller must reconnect without `lastSeq` to get one.
 */
export type HelloOutcome = "snapshot" | "resume" | "resync";

export function applyHello(
  state: WorkspaceState,
  hello: HelloPayload,
): { state: WorkspaceState; outcome: HelloOutcome } {
  // Every hello carries presence (protocol 17): a resume replays none of what changed meanwhile.
  const current = (next: WorkspaceState) =>
    withPresence(withReads(withLive(next, hello.live), hello.reads), hello.presence);
  if (hello.snapshot)
    return { state: current(stateFromSnapshot(hello.snapshot, hello.epoch, hello.seq)), outcome: "snapshot" };
  if (state.lastSeq === null) {
    // Nothing to resume from and nothing to replace with: start counting from here.
    return { state: current({ ...state, epoch: hello.epoch, lastSeq: hello.seq }), outcome: "resume" };
  }
  if (state.epoch !== hello.epoch || hello.seq < state.lastSeq) {
    return { state: { ...state, epoch: null, lastSeq: null }, outcome: "resync" };
  }
  return { state: current(state), outcome: "resume" };
}

/**
 * Replaces the read markers with a hello's (on every hello, resumes included: a marker moved
 * by another device while this one was away is never replayed).
 */
export function withReads(state: WorkspaceState, reads: ThreadReads | undefined): WorkspaceState {
  if (reads === undefined) return state;
  const entries = Object.entries(reads);
  // The same markers keep the state's identity: UIs compare by it.
  const same =
    entries.length === state.reads.size &&
    entries.every(([id, read]) => {
      const held = state.reads.get(id);
      return held?.n === read.n && held.count === read.count;
    });
  return same ? state : { ...state, reads: new Map(entries) };
}

/**
 * How many of a thread's messages this principal has not read: its `messageCount` less what
 * its marker covers (a thread never marked counts all of them).
 */
export function unreadIn(state: Pick<WorkspaceState, "reads">, thread: Pick<Thread, "id" | "messageCount">): number {
  return Math.max(0, thread.messageCount - (state.reads.get(thread.id)?.count ?? 0));
}

export type EventOutcome =
  | { kind: "applied"; state: WorkspaceState }
  | { kind: "duplicate" }
  | { kind: "gap"; expected: number; received: number };

/**
 * Applies one event. Durable events (with `seq`) must arrive in order: one at or below
 * `lastSeq` was applied already, one beyond `lastSeq + 1` means events went missing and
 * the caller must reconnect (which resumes from `lastSeq`). A socket that `view`s some threads
 * is sent only theirs of the messages (protocol 18): its seqs skip the others', and it keeps
 * what it has of them over a bump's.
 */
export function applyEvent(
  state: WorkspaceState,
  received: ReceivedEvent,
  view: readonly string[] | null = null,
): EventOutcome {
  let next = state;
  if (received.seq !== undefined && state.lastSeq !== null) {
    if (received.seq <= state.lastSeq) return { kind: "duplicate" };
    // A socket that views some threads (protocol 18) is not sent the others' messages: its seqs rise, not one by one.
    if (received.seq > state.lastSeq + 1 && view === null)
      return { kind: "gap", expected: state.lastSeq + 1, received: received.seq };
  }
  if (received.seq !== undefined) next = { ...next, lastSeq: received.seq };
  if (received.known) next = reduce(next, received, view);
  return { kind: "applied", state: next };
}

function reduce(
  state: WorkspaceState,
  received: ReceivedEvent & { known: true },
  view: readonly string[] | null,
): WorkspaceState {
  switch (received.event) {
    case "thread.created":
      return { ...state, threads: upsert(state.threads, received.payload.thread.id, received.payload.thread) };
    case "thread.renamed":
    case "thread.archived":
    case "thread.restored":
    case "thread.updated": {
      const next = loadedOne(state, "threads", received.payload.thread.id);
      return { ...next, threads: upsert(next.threads, received.payload.thread.id, received.payload.thread) };
    }
    case "message.created": {
      const { message } = received.payload;
      // A gateway reply ends the stream it finishes.
      const next = message.runId === undefined ? state : withoutStream(state, message.runId);
      const thread = next.threads.get(message.threadId);
      if (!thread) return next;
      const updated: Thread = {
        ...thread,
        messageCount: thread.messageCount + 1,
        lastMessageAt: Math.max(thread.lastMessageAt ?? 0, message.createdAt),
        // As the room does (appendMessage): a snapshot taken later must say the same.
        updatedAt: Math.max(thread.updatedAt, message.createdAt),
      };
      return { ...next, threads: upsert(next.threads, thread.id, updated) };
    }
    case "chat.delta": {
      // The client makes a later piece whole before it gets here (client.ts): one that is not is dropped.
      if (!isWholeDelta(received.payload)) return state;
      const { runId, offset, threadId, instanceId } = received.payload;
      const current = state.streams.get(runId);
      const text = current?.text ?? "";
      // A gap (we missed a delta): keep what we have until the durable reply replaces it.
      if (offset > text.length) return state;
      const joined = text.slice(0, offset) + received.payload.text;
      if (current && joined === current.text) return state;
      const stream: ChatStream = {
        threadId,
        instanceId,
        runId,
        text: joined,
        startedAt: current?.startedAt ?? Date.now(),
      };
      return { ...state, streams: upsert(state.streams, runId, stream) };
    }
    case "chat.final":
    case "chat.error":
      return withoutStream(state, received.payload.runId);
    case "thread.bump":
      // The threads it views it has whole (their messages and streams): their entries change nothing.
      return received.payload.threads.reduce(
        (s, bump) => (view?.includes(bump.threadId) ? s : withBump(s, bump)),
        state,
      );
    case "sessions.changed":
      return { ...state, sessions: upsert(state.sessions, received.payload.instanceId, received.payload.sessions) };
    case "approval.requested":
    case "approval.updated":
    case "approval.resolved": {
      // Only a pending approval is resolved: an unknown one was left out of the hello.
      const next =
        received.event === "approval.resolved" ? loadedOne(state, "approvals", received.payload.approval.id) : state;
      return {
        ...next,
        approvals: retainRecent(
          upsert(next.approvals, received.payload.approval.id, received.payload.approval),
          isResolved,
          approvalAge,
        ),
      };
    }
    case "job.started":
    case "job.progressed":
    case "job.cancel_requested":
    case "job.finished": {
      // Only an unfinished job changes: an unknown one was left out of the hello. A report's
      // change (jobs.progress) applies to the job held; one not held is read with jobs.list.
      const job = withJobChange(state.jobs.get(received.payload.job.id), received.payload.job);
      if (!job) return state;
      const next = received.event === "job.started" ? state : loadedOne(state, "jobs", job.id);
      return { ...next, jobs: retainRecent(upsert(next.jobs, job.id, job), isFinished, jobAge) };
    }
    case "presence.summary": {
      const { people, connections, shown = [...state.presence.values()] } = received.payload;
      return withPresence(state, { people, connections, shown, own: state.online.own });
    }
    case "presence.own":
      return { ...state, online: { ...state.online, own: received.payload.own } };
    // Sent to clients of protocol 16 and older only (a room of 16 sends these to this one:
    // until its next hello, presence is as that hello said).
    case "presence.joined":
    case "presence.updated":
    case "presence.left":
    case "presence.diff":
      return state;
    case "instance.updated": {
      const { instance } = received.payload;
      const next = { ...state, instances: upsert(state.instances, instance.id, instance) };
      // A deleted instance's sessions went with it (the room also says so with `sessions.changed`).
      if (instance.status !== "stopped" || !next.sessions.has(instance.id)) return next;
      const sessions = new Map(next.sessions);
      sessions.delete(instance.id);
      return { ...next, sessions };
    }
    case "instance.deleted": {
      const { instanceId } = received.payload;
      let next = state;
      if (next.instances.has(instanceId)) {
        const instances = new Map(next.instances);
        instances.delete(instanceId);
        next = { ...next, instances };
      }
      if (next.sessions.has(instanceId)) {
        const sessions = new Map(next.sessions);
        sessions.delete(instanceId);
        next = { ...next, sessions };
      }
      return next;
    }
    case "hello":
      // Hellos go through applyHello; one in the middle of a stream changes nothing here.
      return state;
    case "instance.devices":
    // A hint to re-read instances.details (the lists live there, not in the state).
    case "instance.whatsAppLogin":
    // A WhatsApp link under way is followed where it is shown (the instance's Channels section).
    case "inbox.updated":
    // A person's inbox is theirs alone: the app keeps it apart from the workspace state.
    case "runlog.appended":
    // A run's log is read where it is shown (runlog.list) and followed there.
    case "billing.changed":
    // The workspace's money is read where it is shown (billing.summary) and followed there.
    case "traces.changed":
    // How the traces' export stands is read where it is shown (traces.get) and followed there.
    case "community.event":
    // A community's posts are read where they are shown (community.feed) and followed there.
    case "principal.updated":
      // Who this connection is lives with the hello (client.principal), not in the state.
      return state;
    case "memory.updated":
    case "memory.deleted":
      // The workspace memory is not part of the snapshot: clients that show it list it
      // (memory.list) and follow these events themselves.
      return state;
    case "schedule.changed":
    case "schedule.deleted":
      // Nor are schedules (protocol 9): a client that shows them lists them (schedules.list)
      // and follows these events, as for the memory.
      return state;
    case "thread.pins":
      // Nor are a principal's pins (protocol 11): a client that shows them asks threads.pins and
      // follows this event (the app's thread list).
      return state;
    case "chats.changed":
      // Nor are the workspace's chats (protocol 13): a client that shows them asks chats.get and
      // follows this event (the app's Chats settings).
      return state;
    case "access.changed":
      // Nor are members and keys (protocol 12): they come over the auth API, read again on this event.
      return state;
    case "settings.changed":
      return { ...state, settings: received.payload.settings };
    case "thread.read": {
      // Markers only move forward: one older than what this client holds (a race of two tabs) changes nothing.
      // One that stays at its message may count more: the reader's own message after it (docs/inbox.md).
      const { threadId, read } = received.payload;
      const held = state.reads.get(threadId) ?? { n: 0, count: 0 };
      if (held.n > read.n || (held.n === read.n && held.count >= read.count)) return state;
      return { ...state, reads: upsert(state.reads, threadId, read) };
    }
    case "project.changed": {
      // A change to a project the hello left out: it is known now.
      const next = loadedOne(state, "projects", received.payload.project.id);
      return { ...next, projects: upsert(next.projects, received.payload.project.id, received.payload.project) };
    }
    case "task.changed": {
      // Tasks are not in the hello (tasks.list pages them): every task an event told of since. A
      // step's change (capability tasks.steps) applies to the task held; one not held is read
      // where it is shown (tasks.get).
      const task = withTaskChange(state.tasks.get(received.payload.task.id), received.payload.task);
      return task ? { ...state, tasks: upsert(state.tasks, task.id, task) } : state;
    }
  }
}

/** Replaces who is here with a hello's or a `presence.summary`'s. */
export function withPresence(state: WorkspaceState, summary: PresenceSummary): WorkspaceState {
  const { people, connections, own, shown } = summary;
  // The same presence keeps the state's identity: UIs compare by it.
  const { online } = state;
  const same =
    online.people === people &&
    online.connections === connections &&
    online.own === own &&
    shown.length === state.presence.size &&
    shown.every((person) => {
      const held = state.presence.get(person.principalId);
      return held !== undefined && JSON.stringify(held) === JSON.stringify(person);
    });
  if (same) return state;
  return {
    ...state,
    presence: new Map(shown.map((person) => [person.principalId, person])),
    online: { people, connections, own },
  };
}

function upsert<T>(map: ReadonlyMap<string, T>, key: string, value: T): Map<string, T> {
  const next = new Map(map);
  next.set(key, value);
  return next;
}

const isResolved = (approval: Approval): boolean => approval.status !== "pending";
const approvalAge = (approval: Approval): number => approval.resolvedAt ?? approval.requestedAt;
const isFinished = (job: Job): boolean => FINISHED_JOB_STATUSES.has(job.status);
const jobAge = (job: Job): number => job.finishedAt ?? job.updatedAt;

function retainRecent<T>(map: Map<string, T>, done: (item: T) => boolean, age: (item: T) => number): Map<string, T> {
  const finished = [...map.entries()].filter(([, item]) => done(item));
  if (finished.length <= RETAINED_FINISHED) return map;
  finished.sort(([, a], [, b]) => age(a) - age(b));
  for (const [key] of finished.slice(0, finished.length - RETAINED_FINISHED)) map.delete(key);
  return map;
}
