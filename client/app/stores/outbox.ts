import { z } from "zod";
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
 *
 * The list is kept on this device per person and workspace (localStorage), so a tab closed or
 * reloaded while offline sends what it held once it opens that workspace again, under the
 * same keys: a message that had reached the room before is answered from the room's
 * idempotency table, not posted twice. Signing out forgets every list.
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

const STORED = "autopilot:outbox:";
/** Kept at most per person and workspace: the oldest go first. */
const MAX_KEPT = 100;
const MAX_TEXT = 100_000;

/** A message as this device keeps it; anything else found under the name is left out. */
const Kept = z.object({
  key: z.string().max(200),
  threadId: z.string().max(200),
  text: z.string().max(MAX_TEXT),
  attachments: z.array(z.string().max(200)).max(20).catch([]),
  error: z.string().max(2000).nullable().catch(null),
});

/** What this device kept for `place` (`<person>:<workspace>`), as far as it still reads. */
function kept(place: string): OutgoingMessage[] {
  let raw: unknown;
  try {
    raw = JSON.parse(localStorage.getItem(STORED + place) ?? "[]");
  } catch {
    return [];
  }
  if (!Array.isArray(raw)) return [];
  return raw.slice(-MAX_KEPT).flatMap((m): OutgoingMessage[] => {
    const read = Kept.safeParse(m);
    return read.success ? [{ ...read.data, arrived: false }] : [];
  });
}

function keep(place: string | null, messages: readonly OutgoingMessage[]): void {
  if (!place) return;
  try {
    if (messages.length === 0) localStorage.removeItem(STORED + place);
    else
      localStorage.setItem(
        STORED + place,
        JSON.stringify(messages.slice(-MAX_KEPT).map(({ arrived: _shown, ...m }) => m)),
      );
  } catch {
    // Storage full or refused (private mode): the list still lives in this tab.
  }
}

interface OutboxStore {
  messages: readonly OutgoingMessage[];
  /**
   * A workspace opened for `person`: its list is what this device kept for them there, and
   * what was on its way goes out (again) through `client`.
   */
  open(client: AutopilotClient, person: string, workspaceId: string): void;
  /** Signed out: every list this device kept goes. */
  forgetAll(): void;
  send(client: AutopilotClient, message: Omit<OutgoingMessage, "key" | "error" | "arrived">): void;
  /** A message of the room's (message.created) by `by`: the oldest outgoing one it matches is there now. */
  landed(message: Message, by: string): void;
  retry(client: AutopilotClient, key: string): void;
  discard(key: string): void;
}

export const useOutbox = create<OutboxStore>((set, get) => {
  /** `<person>:<workspace>` of the list shown now. */
  let place: string | null = null;
  const put = (messages: OutgoingMessage[]) => {
    set({ messages });
    keep(place, messages);
  };
  const patch = (key: string, change: Partial<OutgoingMessage>) =>
    put(get().messages.map((m) => (m.key === key ? { ...m, ...change } : m)));
  const drop = (key: string) => put(get().messages.filter((m) => m.key !== key));
  const deliver = (client: AutopilotClient, message: OutgoingMessage) => {
    const { key, threadId, text, attachments } = message;
    client.chat.send({ threadId, text, idempotencyKey: key, ...(attachments.length > 0 && { attachments }) }).then(
      () => drop(key),
      (error: unknown) => {
        // Closed: the tab moved to another workspace (open() replaced the list; this device keeps it for that one).
        if (get().messages.some((m) => m.key === key)) patch(key, { error: errorText(error), arrived: false });
      },
    );
  };
  return {
    messages: [],
    open(client, person, workspaceId) {
      place = `${person}:${workspaceId}`;
      const messages = kept(place);
      set({ messages });
      for (const message of messages) if (message.error === null) deliver(client, message);
    },
    forgetAll() {
      place = null;
      set({ messages: [] });
      try {
        for (const name of Object.keys(localStorage)) if (name.startsWith(STORED)) localStorage.removeItem(name);
      } catch {
        // Nothing kept where storage is refused.
      }
    },
    send(client, message) {
      const outgoing: OutgoingMessage = { ...message, key: randomId(), error: null, arrived: false };
      put([...get().messages, outgoing]);
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
  };
});
