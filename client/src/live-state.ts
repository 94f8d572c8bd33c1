import type { ChatStream, GatewaySession, LiveState } from "../../shared/protocol/gateway";
import type { ThreadBump } from "../../shared/protocol/interest";
import { isTaskStepRun } from "../../shared/protocol/tasks";
import type { Message, Thread } from "../../shared/protocol/threads";

// What a client knows of replies streaming and gateway sessions (the ephemeral part of its
// state): from every hello's `live`, `chat.*` events and, for the threads a socket does not
// view (protocol 18), `thread.bump`.

/** The parts of a client's state (state.ts WorkspaceState) these change. */
interface LiveParts {
  readonly threads: ReadonlyMap<string, Thread>;
  readonly streams: ReadonlyMap<string, ChatStream>;
  readonly sessions: ReadonlyMap<string, readonly GatewaySession[]>;
}

/**
 * Replaces the streams and gateway sessions with a hello's `live` (sent on every hello,
 * resumes included, since deltas missed while away are never replayed). A hello without
 * it (an older room) leaves no stream standing: nothing would ever end it.
 */
export function withLive<S extends LiveParts>(state: S, live: LiveState | undefined): S {
  if (live === undefined) return state.streams.size ? { ...state, streams: new Map() } : state;
  if (!live.streams.length && !live.sessions.length && !state.streams.size && !state.sessions.size) return state;
  return {
    ...state,
    streams: new Map(live.streams.filter(shown).map((stream) => [stream.runId, stream])),
    sessions: new Map(live.sessions.map((entry) => [entry.instanceId, entry.sessions])),
  };
}

/** A thread's streaming replies, oldest first. */
export function threadStreams(state: Pick<LiveParts, "streams">, threadId: string): ChatStream[] {
  return [...state.streams.values()]
    .filter((stream) => stream.threadId === threadId)
    .sort((a, b) => a.startedAt - b.startedAt);
}

/** How one stream changed between two states (see `diffStreams`). */
export type StreamChange =
  | { kind: "started" | "updated"; stream: ChatStream }
  /** `message` is the durable reply that ended it, when that is what did. */
  | { kind: "ended"; stream: ChatStream; message?: Message };

/** The stream changes from `before` to `after`, for listeners that follow replies live. */
export function diffStreams(before: LiveParts, after: LiveParts, ending?: Message): StreamChange[] {
  if (before.streams === after.streams) return [];
  const changes: StreamChange[] = [];
  for (const [runId, stream] of before.streams) {
    if (after.streams.has(runId)) continue;
    changes.push(ending?.runId === runId ? { kind: "ended", stream, message: ending } : { kind: "ended", stream });
  }
  for (const [runId, stream] of after.streams) {
    const previous = before.streams.get(runId);
    if (!previous) changes.push({ kind: "started", stream });
    else if (previous !== stream) changes.push({ kind: "updated", stream });
  }
  return changes;
}

/**
 * A thread this socket does not view changed (protocol 18): its counts, and which replies
 * stream there (without their text, which only a viewer gets; threads.view brings it).
 */
export function withBump<S extends LiveParts>(state: S, bump: ThreadBump): S {
  const thread = state.threads.get(bump.threadId);
  let next = state;
  if (thread) {
    const updated: Thread = {
      ...thread,
      messageCount: bump.messageCount,
      lastMessageAt: bump.lastMessageAt,
      updatedAt: Math.max(thread.updatedAt, bump.updatedAt),
    };
    next = { ...next, threads: upsert(next.threads, thread.id, updated) };
  }
  const running = new Set(bump.streams.map((stream) => stream.runId));
  const streams = new Map(
    [...next.streams].filter(([runId, stream]) => stream.threadId !== bump.threadId || running.has(runId)),
  );
  for (const stream of bump.streams)
    if (!streams.has(stream.runId)) streams.set(stream.runId, { ...stream, threadId: bump.threadId, text: "" });
  const same = streams.size === next.streams.size && [...streams.keys()].every((runId) => next.streams.has(runId));
  return same ? next : { ...next, streams };
}

/** The threads just viewed (threads.view) stream what the room says now: their text included. */
export function withViewed<S extends LiveParts>(state: S, threads: readonly string[], live: readonly ChatStream[]): S {
  const viewed = new Set(threads);
  const streams = new Map([...state.streams].filter(([, stream]) => !viewed.has(stream.threadId)));
  for (const stream of live) if (shown(stream)) streams.set(stream.runId, stream);
  return { ...state, streams };
}

/**
 * Whether a stream the room lists is one to show: a task step's opens with its first text
 * (`tool.steps`: a step that only calls tools sends no `chat.final` to end it).
 */
const shown = (stream: ChatStream): boolean => stream.text !== "" || !isTaskStepRun(stream.runId);

/** The stream ended (its reply, `chat.final` or `chat.error`). */
export function withoutStream<S extends LiveParts>(state: S, runId: string): S {
  if (!state.streams.has(runId)) return state;
  const streams = new Map(state.streams);
  streams.delete(runId);
  return { ...state, streams };
}

function upsert<T>(map: ReadonlyMap<string, T>, key: string, value: T): Map<string, T> {
  const next = new Map(map);
  next.set(key, value);
  return next;
}
