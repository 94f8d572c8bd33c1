import { z } from "zod";
import { create } from "zustand";
import { persist } from "zustand/middleware";

/**
 * Unread counts are per person and per device, so they stay client-side: the number of
 * messages of each thread this browser has shown, per workspace, in localStorage. A
 * thread never opened counts all its messages as unread.
 */
interface UnreadStore {
  workspaceId: string | null;
  /** The open workspace's counts by thread id. */
  read: Record<string, number>;
  byWorkspace: Record<string, Record<string, number>>;
  load(workspaceId: string): void;
  markRead(threadId: string, messageCount: number): void;
}

// A corrupt or foreign entry only costs unread badges: it is replaced by an empty one.
const Persisted = z
  .object({ byWorkspace: z.record(z.string(), z.record(z.string(), z.number())) })
  .catch({ byWorkspace: {} });

export const useUnread = create<UnreadStore>()(
  persist(
    (set, get) => ({
      workspaceId: null,
      read: {},
      byWorkspace: {},
      load(workspaceId) {
        set({ workspaceId, read: get().byWorkspace[workspaceId] ?? {} });
      },
      markRead(threadId, messageCount) {
        const { workspaceId, read, byWorkspace } = get();
        if (!workspaceId || read[threadId] === messageCount) return;
        const next = { ...read, [threadId]: messageCount };
        set({ read: next, byWorkspace: { ...byWorkspace, [workspaceId]: next } });
      },
    }),
    {
      name: "autopilot:unread",
      partialize: (s) => ({ byWorkspace: s.byWorkspace }),
      merge: (persisted, current) => ({ ...current, ...Persisted.parse(persisted) }),
    },
  ),
);

export const unreadCount = (read: Record<string, number>, threadId: string, messageCount: number): number =>
  Math.max(0, messageCount - (read[threadId] ?? 0));
