import { create } from "zustand";
import type { Inbox, InboxItem } from "../../../shared/protocol/inbox";

/**
 * This person's inbox in the open workspace, exactly as the room last sent it
 * (`inbox.updated`, to this person's sockets only): items, read state and preferences are
 * the room's, so every tab of the person shows the same. Nothing is computed here.
 */
interface InboxStore {
  inbox: Inbox | null;
  set(inbox: Inbox | null): void;
}

export const useInbox = create<InboxStore>((set) => ({
  inbox: null,
  set: (inbox) => set({ inbox }),
}));

export const useUnreadItems = (): number => useInbox((s) => s.inbox?.unread ?? 0);

/** Where an item opens in the app: the inspector's selection id (`approval:<id>`, `thread:<id>`, …). */
export function selectionOf(target: InboxItem["target"]): string {
  switch (target.kind) {
    case "approval":
      return `approval:${target.approvalId}`;
    case "thread":
      return `thread:${target.threadId}`;
    case "job":
      return `job:${target.jobId}`;
    case "instance":
      return `instance:${target.instanceId}`;
    case "community":
      return `community:${target.eventId}`;
    case "schedule":
      return `schedule:${target.scheduleId}`;
    case "billing":
      return "billing";
  }
}

/**
 * The kinds a mail's deep link names (`?approval=<id>` …), each opening as its selection. Not
 * `thread`: the address's thread is shell/thread-url.ts's, opened by the workspace's start.
 */
export const LINKED_KINDS = ["approval", "job", "instance", "schedule"] as const;

/** A mail's deep link (`?approval=`, `?job=`, `?instance=`, `?schedule=`) as a selection id, or null. */
export function selectionFromUrl(search: string): string | null {
  const params = new URLSearchParams(search);
  for (const kind of LINKED_KINDS) {
    const id = params.get(kind);
    if (id && id.length <= 64) return `${kind}:${id}`;
  }
  return null;
}
