import { create } from "zustand";
import type { Message } from "../../../shared/protocol/threads";
import type { AutopilotClient } from "../../src/client";
import { randomId } from "../../src/request-ids";
import { errorText } from "../lib/api";

/**
 * Messages this tab sent that the room has not taken yet. The client library's outbox
 * (AutopilotClient's `outbox` option, stores/room.ts) holds the request itself: with no
 * connection it waits, and it goes out once the room is back, under the idempotency key it
 * was made with, so it is posted once however often it is re-sent. This store is what the
 * thread shows meanwhile: each message as "Sending…" until the room answers, then gone (the
 * room's own message has arrived by then), or, if the room refused it, with the reason and
 * Retry / Discard.
 */
export interface OutgoingMessage {
  /** The idempotency key: the same on every re-send and on Retry, so it posts once. */
  key: string;
  threadId: string;
  text: string;
  /** Ids of files already uploaded (attachments/pending.ts). */
  attachments: string[];
  /** Why the room refused it; null while it is on its way. */
  error: string | null;
  /**
   * The room's message that looks like this one has arrived (its event comes just before the
   * answer): hidden meanwhile, so the thread never shows it twice. A refusal shows it again.
   */
  arrived: boolean;
}

interface OutboxStore {
  messages: readonly OutgoingMessage[];
  send(client: AutopilotClient, message: Omit<OutgoingMessage, "key" | "error" | "arrived">): void;
  /** A message of the room's (message.created) by `by`: the oldest outgoing one it matches is there now. */
  landed(message: Message, by: string): void;
  retry(client: AutopilotClient, key: string): void;
  discard(key: string): void;
  /** Another workspace opened: what this one held is no longer ours to show. */
  clear(): void;
}

export const useOutbox = create<OutboxStore>((set, get) => {
  const patch = (key: string, change: Partial<OutgoingMessage>) =>
    set({ messages: get().messages.map((m) => (m.key === key ? { ...m, ...change } : m)) });
  const drop = (key: string) => set({ messages: get().messages.filter((m) => m.key !== key) });
  const deliver = (client: AutopilotClient, message: OutgoingMessage) => {
    const { key, threadId, text, attachments } = message;
    client.chat.send({ threadId, text, idempotencyKey: key, ...(attachments.length > 0 && { attachments }) }).then(
      () => drop(key),
      (error: unknown) => {
        // Closed: the tab moved to another workspace (clear() already emptied the list).
        if (get().messages.some((m) => m.key === key)) patch(key, { error: errorText(error), arrived: false });
      },
    );
  };
  return {
    messages: [],
    send(client, message) {
      const outgoing: OutgoingMessage = { ...message, key: randomId(), error: null, arrived: false };
      set({ messages: [...get().messages, outgoing] });
      deliver(client, outgoing);
    },
    retry(client, key) {
      const message = get().messages.find((m) => m.key === key);
      if (!message || message.error === null) return;
      patch(key, { error: null });
      deliver(client, { ...message, error: null });
    },
    landed(message, by) {
      if (message.author.id !== by) return;
      const match = get().messages.find(
        (m) => !m.arrived && m.error === null && m.threadId === message.threadId && m.text === message.text,
      );
      if (match) patch(match.key, { arrived: true });
    },
    discard: drop,
    clear: () => set({ messages: [] }),
  };
});
