import { z } from "zod";
import { create } from "zustand";
import { forgetKeptViews } from "./kept-view";
import { useOutbox } from "./outbox";
import { persist } from "zustand/middleware";
import { MeResponse, WorkspaceInfo as WorkspaceSchema } from "../../../shared/api/account";
import { AccountStatus } from "../../../shared/api/admin";
import { ApiError, authApi, type Me, type WorkspaceInfo } from "../lib/api";

/**
 * Who is signed in and which workspace is open. This is the one store fed over HTTP:
 * sessions and workspace membership are auth data, not room data.
 *
 * While the server is out of reach (the device offline, the server down), the app opens the
 * last workspace from what this device kept of the last answer: who the account is and its
 * workspaces, no secret (the session is the browser's HttpOnly cookie). The room's socket
 * connects when the server is back, and the session is read again then (stores/room.ts).
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
  /** Who was signed in here at the server's last answer (kept in localStorage; forgotten on sign-out). */
  kept: KeptMe | null;
  /** `me` is what this device kept: the server has not answered since the page loaded. */
  offline: boolean;
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

/** The account as this device keeps it: names, ids, roles and scopes, nothing that signs in. */
const KeptMe = z.object({
  kind: MeResponse.shape.kind,
  user: z.object({ id: z.string().max(200), name: z.string().max(200), email: z.string().max(320) }),
  workspaces: z.array(WorkspaceSchema).max(500),
  status: AccountStatus,
});
type KeptMe = z.infer<typeof KeptMe>;

const keptOf = (me: Me): KeptMe => ({
  kind: me.kind,
  user: { id: me.user.id, name: me.user.name, email: me.user.email },
  workspaces: me.workspaces,
  status: me.account.status,
});

/** Nothing is asked of the account until the server answers: no address to verify, no /admin. */
const meOf = (kept: KeptMe): Me => ({
  kind: kept.kind,
  user: { ...kept.user, emailVerified: true },
  workspaces: kept.workspaces,
  account: { status: kept.status, operator: false },
});

/** No answer at all, or a gateway's that the server is down: not a word on the session. */
const unreachable = (error: unknown): boolean =>
  error instanceof ApiError && (error.status === 0 || (error.status >= 502 && error.status <= 504));

/** What this device keeps; whatever else localStorage holds under the name is dropped. */
const Persisted = z
  .object({ lastWorkspaceId: z.string().nullable().catch(null), kept: KeptMe.nullable().catch(null) })
  .catch({ lastWorkspaceId: null, kept: null });

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
      kept: null,
      offline: false,

      async load() {
        let me: Me;
        try {
          me = await authApi.me();
        } catch (error) {
          const kept = get().kept;
          if (kept && unreachable(error)) {
            set({
              phase: "signed-in",
              me: meOf(kept),
              offline: true,
              workspaceId: pickWorkspace(kept.workspaces, get().workspaceId, get().lastWorkspaceId),
              expired: false,
            });
          } else {
            // Signed out (or the server said something else): what was kept is not shown again.
            forgetKeptViews();
            set({ phase: "signed-out", me: null, workspaceId: null, offline: false, kept: null });
          }
          return;
        }
        set({
          phase: "signed-in",
          me,
          kept: keptOf(me),
          offline: false,
          workspaceId: pickWorkspace(me.workspaces, get().workspaceId, get().lastWorkspaceId),
          expired: false,
        });
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
        forgetKeptViews();
        set({ phase: "signed-out", me: null, workspaceId: null, expired: false, kept: null, offline: false });
      },

      selectWorkspace(id) {
        const url = new URL(location.href);
        url.searchParams.set("w", id);
        // The open thread was the other workspace's.
        url.searchParams.delete("thread");
        history.replaceState(null, "", url);
        set({ workspaceId: id, lastWorkspaceId: id });
      },

      sessionEnded() {
        forgetKeptViews();
        set({ phase: "signed-out", me: null, workspaceId: null, expired: true, kept: null, offline: false });
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
      partialize: (s) => ({ lastWorkspaceId: s.lastWorkspaceId, kept: s.kept }),
      merge: (persisted, current) => ({ ...current, ...Persisted.parse(persisted) }),
    },
  ),
);

export const currentWorkspace = (s: Pick<SessionStore, "me" | "workspaceId">): WorkspaceInfo | null =>
  s.me?.workspaces.find((w) => w.id === s.workspaceId) ?? null;
