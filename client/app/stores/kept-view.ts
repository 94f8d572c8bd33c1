import { z } from "zod";
import { Message, Thread } from "../../../shared/protocol/threads";

/**
 * What the app shows while the server is out of reach, kept on this device per person and
 * workspace (localStorage): the thread list and the last messages of the thread that was open.
 * Written while the room is live, read only when a reload finds the server gone
 * (stores/session.ts `offline`); the room's first hello replaces it. Read back as hostile
 * input: what no longer parses is dropped. Forgotten on sign-out, with the outbox.
 */

const STORED = "autopilot:kept:";
/** The most recent threads only: enough for a sidebar, small enough for localStorage. */
const MAX_THREADS = 200;
const MAX_MESSAGES = 30;
/** A view larger than this is kept without its messages (the thread list still fits). */
const MAX_BYTES = 1_000_000;

const KeptView = z.object({
  threads: z.array(Thread).max(MAX_THREADS),
  open: z.object({ threadId: z.string().max(64), messages: z.array(Message).max(MAX_MESSAGES) }).nullable(),
});
export type KeptView = z.infer<typeof KeptView>;

const placeOf = (person: string, workspaceId: string) => `${STORED}${person}:${workspaceId}`;

export function readKeptView(person: string, workspaceId: string): KeptView | null {
  try {
    const read = KeptView.safeParse(JSON.parse(localStorage.getItem(placeOf(person, workspaceId)) ?? "null"));
    return read.success ? read.data : null;
  } catch {
    return null;
  }
}

export function keepView(
  person: string,
  workspaceId: string,
  threads: Iterable<Thread>,
  open: { threadId: string; messages: readonly Message[] } | null,
): void {
  const at = (t: Thread) => t.lastMessageAt ?? t.createdAt;
  const recent = [...threads].sort((a, b) => at(b) - at(a)).slice(0, MAX_THREADS);
  const view: KeptView = {
    threads: recent,
    open: open && { threadId: open.threadId, messages: open.messages.slice(-MAX_MESSAGES) },
  };
  try {
    let text = JSON.stringify(view);
    if (text.length > MAX_BYTES) text = JSON.stringify({ ...view, open: null });
    localStorage.setItem(placeOf(person, workspaceId), text);
  } catch {
    // Storage full or refused (private mode): nothing is kept; the app works online as before.
  }
}

/** Signed out: no view of any workspace stays on the device. */
export function forgetKeptViews(): void {
  try {
    for (const name of Object.keys(localStorage)) if (name.startsWith(STORED)) localStorage.removeItem(name);
  } catch {
    // Storage refused: nothing was kept.
  }
}
