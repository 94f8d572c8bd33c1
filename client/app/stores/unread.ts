import { useEffect, useSyncExternalStore } from "react";
import type { AutopilotClient } from "../../src/client";
import { unreadIn } from "../../src/state";
import type { Message } from "../../../shared/protocol/threads";
import { useRoom } from "./room";

/**
 * Unread counts come from the room: each person's read marker per thread is kept there
 * (protocol 10, `threads.markRead`; docs/inbox.md, "Read state"), so every device of theirs
 * shows the same counts and a fresh sign-in finds read what was read. A thread never opened
 * counts all its messages as unread. What is on screen is read: the newest message rendered
 * in the open thread while the tab is visible moves the marker.
 */

// Read state used to live in this browser's localStorage under this name: no longer read.
try {
  localStorage.removeItem("autopilot:unread");
} catch {
  // Storage may be off (private mode): there is nothing to tidy then.
}

/** How many of the thread's messages this person has not read (0 for a thread not in the state). */
export const useThreadUnread = (threadId: string, fallbackCount = 0): number =>
  useRoom((s) => {
    const thread = s.state.threads.get(threadId);
    return unreadIn(s.state, thread ?? { id: threadId, messageCount: fallbackCount });
  });

const visibility = {
  subscribe(onChange: () => void) {
    document.addEventListener("visibilitychange", onChange);
    return () => document.removeEventListener("visibilitychange", onChange);
  },
  get: () => document.visibilityState === "visible",
};

/** Whether the tab is visible to the person now. */
export const usePageVisible = (): boolean => useSyncExternalStore(visibility.subscribe, visibility.get);

/**
 * Marks of this tab on their way, by thread: one request at a time per thread, the newest
 * ordinal wanted sent when the one in flight is answered, so a busy thread costs one request
 * per answer rather than one per message.
 */
const inFlight = new Map<string, { client: AutopilotClient; wanted: number }>();

function markThrough(client: AutopilotClient, threadId: string, n: number): void {
  const busy = inFlight.get(threadId);
  if (busy?.client === client) {
    busy.wanted = Math.max(busy.wanted, n);
    return;
  }
  const entry = { client, wanted: n };
  inFlight.set(threadId, entry);
  const send = (through: number): void => {
    client.threads
      .markRead({ threadId, throughN: through })
      // A refused mark (the thread was deleted, the socket closed) only leaves the count as it was.
      .catch(() => undefined)
      .finally(() => {
        if (inFlight.get(threadId) !== entry) return;
        if (entry.wanted > through) send(entry.wanted);
        else inFlight.delete(threadId);
      });
  };
  send(n);
}

/**
 * Marks the thread read through its newest message shown, whenever that is newer than the
 * person's marker, the tab is visible and the room is connected (a mark is not held for
 * later: the next visit marks again).
 */
export function useMarkShownRead(threadId: string, messages: readonly Message[] | undefined): void {
  const client = useRoom((s) => s.client);
  const connected = useRoom((s) => s.status === "connected");
  const marker = useRoom((s) => s.state.reads.get(threadId)?.n ?? 0);
  const visible = usePageVisible();
  const newest = messages?.[messages.length - 1]?.n ?? 0;
  useEffect(() => {
    if (client && connected && visible && newest > marker) markThrough(client, threadId, newest);
  }, [client, connected, visible, newest, marker, threadId]);
}
