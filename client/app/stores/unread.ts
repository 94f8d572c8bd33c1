import { create } from "zustand";

/**
 * Unread counts are per person and per device, so they stay client-side: the number of
 * messages of each thread this browser has shown, in localStorage. A thread never opened
 * counts all its messages as unread.
 */
interface UnreadStore {
  workspaceId: string | null;
  read: Record<string, number>;
  load(workspaceId: string): void;
  markRead(threadId: string, messageCount: number): void;
}

const key = (workspaceId: string) => `autopilot:read:${workspaceId}`;

export const useUnread = create<UnreadStore>((set, get) => ({
  workspaceId: null,
  read: {},
  load(workspaceId) {
    let read: Record<string, number> = {};
    try {
      read = JSON.parse(localStorage.getItem(key(workspaceId)) ?? "{}") as Record<string, number>;
    } catch {
      // a corrupt entry only costs unread badges
    }
    set({ workspaceId, read });
  },
  markRead(threadId, messageCount) {
    const { workspaceId, read } = get();
    if (!workspaceId || read[threadId] === messageCount) return;
    const next = { ...read, [threadId]: messageCount };
    localStorage.setItem(key(workspaceId), JSON.stringify(next));
    set({ read: next });
  },
}));

export const unreadCount = (read: Record<string, number>, threadId: string, messageCount: number): number =>
  Math.max(0, messageCount - (read[threadId] ?? 0));
