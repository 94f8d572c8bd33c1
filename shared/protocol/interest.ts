import { z } from "zod";
import { EntityId, Timestamp } from "./common";
import { ChatStream } from "./gateway";
import { InstanceId } from "./instances";
import type { MessageCreatedPayload } from "./threads";
import type { ChatDeltaPayload } from "./gateway";

/**
 * Protocol 18: delivery by interest. A socket that connects with `?view=` (thread ids,
 * comma-separated; empty for none) gets message bodies (`message.created`) and streams
 * (`chat.delta`, `chat.final`, `chat.error`) only for the threads it views, and a small
 * coalesced `thread.bump` for any other thread that changed; everything else (threads,
 * approvals, jobs, inbox, access) still reaches everyone it concerns. A socket without `view`
 * gets every thread's messages and streams, as before 18 (an agent that wants everything).
 * A resume replays only what the socket viewed, then a bump for each other thread that
 * changed meanwhile.
 */
export const MAX_VIEWED_THREADS = 20;

export const ViewedThreads = z.array(EntityId).max(MAX_VIEWED_THREADS);

/**
 * The thread an event is about when a socket that views threads gets it only for those:
 * a message (`message.created`) or a stream (`chat.delta`, `chat.final`, `chat.error`).
 * Null for every other event, which goes to everyone it concerns.
 */
export function viewedThreadOf(event: string, payload: unknown): string | null {
  switch (event) {
    case "message.created":
      return (payload as z.infer<typeof MessageCreatedPayload>).message.threadId;
    case "chat.delta":
    case "chat.final":
    case "chat.error":
      return (payload as z.infer<typeof ChatDeltaPayload>).threadId;
    default:
      return null;
  }
}

// --- methods ---------------------------------------------------------------

/**
 * Replaces the threads this socket views (a socket that connected with `view`; one without
 * gets everything and is refused `bad_request`). From the answer on, the socket gets those
 * threads' messages and streams; the answer carries their streams as they stand, so with
 * `messages.list` a newly viewed thread is complete without a gap.
 */
export const ThreadsViewParams = z.object({ threads: z.array(EntityId).max(MAX_VIEWED_THREADS) });
export const ThreadsViewResult = z.object({
  /** The threads viewed now, without repeats. */
  threads: ViewedThreads,
  /** The viewed threads' replies streaming right now. */
  streams: z.array(ChatStream),
});

// --- events ----------------------------------------------------------------

/** A reply streaming in a thread, without its text (a bump says only that it runs). */
export const BumpStream = z.object({ runId: z.string(), instanceId: InstanceId.nullable(), startedAt: Timestamp });

/** How a thread stands, as a bump says it. */
export const ThreadBump = z.object({
  threadId: EntityId,
  messageCount: z.number().int().nonnegative(),
  lastMessageAt: Timestamp.nullable(),
  updatedAt: Timestamp,
  /** The newest message's room-wide ordinal (null: none yet). */
  lastN: z.number().int().nonnegative().nullable(),
  /** The replies streaming there now: replaces what the socket knew streaming there. */
  streams: z.array(BumpStream),
});
export type ThreadBump = z.infer<typeof ThreadBump>;

/** Most threads one bump frame names: a window that changed more goes out in several. */
export const MAX_BUMPED_THREADS = 200;

/**
 * Ephemeral, to the sockets that chose their threads: the threads that changed (a message, a
 * reply started or ended) in a short window, one entry each, in one frame however many
 * changed, so a socket gets at most one bump per window whatever happens elsewhere. A thread
 * is left out when its entry says what its last one said (a reply streaming on). A socket
 * that views one of them may find it there too: its counts are the ones it has. One that
 * asked for `bumps.others` does not: its frame names only the threads it does not view, and
 * none comes when every one of them is viewed.
 */
export const ThreadBumpPayload = z.object({ threads: z.array(ThreadBump).min(1).max(MAX_BUMPED_THREADS) });
export type ThreadBumpPayload = z.infer<typeof ThreadBumpPayload>;

/**
 * Capability `bumps.others` (protocol 19, decision 89): a socket that views threads gets no
 * bump entry for a thread it views (it has that thread's messages and streams whole, and a
 * client reads its counts from them), and no bump frame when every entry was one. No field
 * changes shape; a socket that did not ask gets every entry, as before.
 */
export function bumpsOthersCapability() {
  return {
    name: "bumps.others",
    since: 19,
    summary: "a thread.bump leaves out the threads the socket views (no frame when it names only those)",
    adds: [],
    withholds: ["events.thread.bump.threads"],
    events: {},
    results: {},
  };
}
