import { create } from "zustand";
import { api, type Me, type WorkspaceInfo } from "../lib/api";

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
  load(): Promise<void>;
  signIn(email: string, password: string): Promise<void>;
  signUp(name: string, email: string, password: string): Promise<void>;
  signOut(): Promise<void>;
  selectWorkspace(id: string): void;
  sessionEnded(): void;
}

const LAST_WORKSPACE = "autopilot:last-workspace";

function pickWorkspace(workspaces: WorkspaceInfo[], wanted: string | null): string | null {
  // A deep link (?w=) wins, then the last one used on this device, then the first.
  const fromUrl = new URLSearchParams(location.search).get("w");
  for (const id of [fromUrl, wanted, localStorage.getItem(LAST_WORKSPACE)]) {
    if (id && workspaces.some((w) => w.id === id)) return id;
  }
  return workspaces[0]?.id ?? null;
}

export const useSession = create<SessionStore>((set, get) => ({
  phase: "loading",
  me: null,
  workspaceId: null,
  expired: false,

  async load() {
    try {
      const me = await api<Me>("/api/me");
      set({ phase: "signed-in", me, workspaceId: pickWorkspace(me.workspaces, get().workspaceId), expired: false });
    } catch {
      set({ phase: "signed-out", me: null, workspaceId: null });
    }
  },

  async signIn(email, password) {
    await api("/api/auth/sign-in/email", { method: "POST", body: { email, password } });
    await get().load();
  },

  async signUp(name, email, password) {
    await api("/api/auth/sign-up/email", { method: "POST", body: { email, password, name } });
    await get().load();
  },

  async signOut() {
    await api("/api/auth/sign-out", { method: "POST", body: {} }).catch(() => {});
    set({ phase: "signed-out", me: null, workspaceId: null, expired: false });
  },

  selectWorkspace(id) {
    localStorage.setItem(LAST_WORKSPACE, id);
    const url = new URL(location.href);
    url.searchParams.set("w", id);
    history.replaceState(null, "", url);
    set({ workspaceId: id });
  },

  sessionEnded() {
    set({ phase: "signed-out", me: null, workspaceId: null, expired: true });
  },
}));

export const currentWorkspace = (s: Pick<SessionStore, "me" | "workspaceId">): WorkspaceInfo | null =>
  s.me?.workspaces.find((w) => w.id === s.workspaceId) ?? null;
