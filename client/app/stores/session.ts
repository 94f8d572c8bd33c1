import { z } from "zod";
import { create } from "zustand";
import { useOutbox } from "./outbox";
import { persist } from "zustand/middleware";
import { authApi, type Me, type WorkspaceInfo } from "../lib/api";

/**
 * Who is signed in and which workspace is open. This is the one store fed over HTTP:
 * sessions and workspace membership are auth data, not room data.
 */
type Phase = "loading" | "signed-out" | "signed-in";

interface SessionStore {
  phase: Phase;
  me: Me | null;
  workspaceId: string | null;
  /** Set when the room told us our session ended (close 4001): the shell shows the sign-in screen. */
  expired: boolean;
  /** The workspace whose access was taken away while it was open (close 4003): the shell says so instead of reconnecting. */
  accessLost: { id: string; name: string } | null;
  /** The workspace last opened on this device (kept in localStorage). */
  lastWorkspaceId: string | null;
  load(): Promise<void>;
  signIn(email: string, password: string): Promise<void>;
  signUp(name: string, email: string, password: string): Promise<void>;
  /** An agent signs in with its API key (the app then is that key, with its scopes, in its workspace). */
  signInWithKey(key: string): Promise<void>;
  signOut(): Promise<void>;
  selectWorkspace(id: string): void;
  sessionEnded(): void;
  accessRemoved(workspaceId: string): void;
  /** Leaves the "no access" screen for the workspaces the person still has. */
  backToWorkspaces(): Promise<void>;
}

/** What this device keeps; whatever else localStorage holds under the name is dropped. */
const Persisted = z.object({ lastWorkspaceId: z.string().nullable() }).catch({ lastWorkspaceId: null });

function pickWorkspace(workspaces: WorkspaceInfo[], wanted: string | null, last: string | null): string | null {
  // A deep link (?w=) wins, then the last one used on this device, then the first.
  const fromUrl = new URLSearchParams(location.search).get("w");
  for (const id of [fromUrl, wanted, last]) {
    if (id && workspaces.some((w) => w.id === id)) return id;
  }
  return workspaces[0]?.id ?? null;
}

export const useSession = create<SessionStore>()(
  persist(
    (set, get) => ({
      phase: "loading",
      me: null,
      workspaceId: null,
      expired: false,
      accessLost: null,
      lastWorkspaceId: null,

      async load() {
        try {
          const me = await authApi.me();
          set({
            phase: "signed-in",
            me,
            workspaceId: pickWorkspace(me.workspaces, get().workspaceId, get().lastWorkspaceId),
            expired: false,
          });
        } catch {
          set({ phase: "signed-out", me: null, workspaceId: null });
        }
      },

      async signIn(email, password) {
        await authApi.signIn({ email, password });
        await get().load();
      },

      async signUp(name, email, password) {
        await authApi.signUp({ email, password, name });
        await get().load();
      },

      async signInWithKey(key) {
        await authApi.signInWithKey(key);
        await get().load();
      },

      async signOut() {
        await (get().me?.kind === "agent" ? authApi.signOutKey() : authApi.signOut()).catch(() => {});
        // What was left unsent on this device is not for whoever signs in next.
        useOutbox.getState().forgetAll();
        set({ phase: "signed-out", me: null, workspaceId: null, expired: false });
      },

      selectWorkspace(id) {
        const url = new URL(location.href);
        url.searchParams.set("w", id);
        history.replaceState(null, "", url);
        set({ workspaceId: id, lastWorkspaceId: id });
      },

      sessionEnded() {
        set({ phase: "signed-out", me: null, workspaceId: null, expired: true });
      },

      accessRemoved(workspaceId) {
        const name = get().me?.workspaces.find((w) => w.id === workspaceId)?.name ?? "this workspace";
        set({ accessLost: { id: workspaceId, name } });
      },

      async backToWorkspaces() {
        const lost = get().accessLost?.id;
        set({
          accessLost: null,
          workspaceId: null,
          lastWorkspaceId: get().lastWorkspaceId === lost ? null : get().lastWorkspaceId,
        });
        const url = new URL(location.href);
        if (url.searchParams.get("w") === lost) {
          url.searchParams.delete("w");
          history.replaceState(null, "", url);
        }
        await get().load();
      },
    }),
    {
      name: "autopilot:session",
      partialize: (s) => ({ lastWorkspaceId: s.lastWorkspaceId }),
      merge: (persisted, current) => ({ ...current, ...Persisted.parse(persisted) }),
    },
  ),
);

export const currentWorkspace = (s: Pick<SessionStore, "me" | "workspaceId">): WorkspaceInfo | null =>
  s.me?.workspaces.find((w) => w.id === s.workspaceId) ?? null;
