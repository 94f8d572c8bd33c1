import { useEffect } from "react";
import { AdminPage } from "./admin/AdminPage";
import { AccountNotices } from "./auth/AccountNotices";
import { AuthScreen } from "./auth/AuthScreen";
import { WaitingScreen } from "./auth/WaitingScreen";
import { NoAccess } from "./auth/NoAccess";
import { Canvas } from "./canvas/Canvas";
import { initials } from "./lib/format";
import { InboxAttention } from "./inbox/InboxAttention";
import { CommandPalette } from "./palette/CommandPalette";
import { useUnreadItems } from "./inbox/store";
import { ConnectionStatus } from "./panels/ConnectionStatus";
import { RightPanel, usePendingCount } from "./panels/RightPanel";
import { SettingsDialog } from "./panels/Settings";
import { Sidebar } from "./panels/Sidebar";
import { colorFor, useCanvas } from "./stores/canvas";
import { useRoom } from "./stores/room";
import { currentWorkspace, useSession } from "./stores/session";
import { useUi } from "./stores/ui";

/**
 * The shell: sign-in, or the workspace — threads on the left, the Hatchery canvas in the
 * middle, inspector / approvals / jobs on the right. Switching workspace tears down both
 * sockets and opens new ones; every store below is fed by those sockets only.
 */

function Header() {
  const me = useSession((s) => s.me)!;
  const workspaceId = useSession((s) => s.workspaceId);
  const selectWorkspace = useSession((s) => s.selectWorkspace);
  const signOut = useSession((s) => s.signOut);
  const setSettingsOpen = useUi((s) => s.setSettingsOpen);
  const drawer = useUi((s) => s.drawer);
  const setDrawer = useUi((s) => s.setDrawer);
  const setRightTab = useUi((s) => s.setRightTab);
  const pending = usePendingCount();
  const unread = useUnreadItems();
  return (
    <header className="topbar">
      <button
        type="button"
        className="icon only-narrow"
        aria-label="Threads and projects"
        aria-expanded={drawer === "left"}
        onClick={() => setDrawer(drawer === "left" ? null : "left")}
      >
        ☰
      </button>
      <div className="brand">
        <span className="logo" aria-hidden>
          ◆
        </span>
        <span className="hide-narrow">Autopilot</span>
      </div>
      <label className="sr-only" htmlFor="workspace-switcher">
        Workspace
      </label>
      <select
        id="workspace-switcher"
        className="workspace-switcher"
        value={workspaceId ?? ""}
        onChange={(e) => selectWorkspace(e.target.value)}
      >
        {me.workspaces.map((w) => (
          <option key={w.id} value={w.id}>
            {w.name}
          </option>
        ))}
      </select>
      <ConnectionStatus />
      <div className="spacer" />
      <button
        type="button"
        className="ghost"
        onClick={() => useUi.getState().setPaletteOpen(true)}
        aria-label="Search and jump to"
        aria-keyshortcuts="Control+K Meta+K"
        title="Jump to or search (Ctrl+K / ⌘K)"
      >
        <span className="hide-narrow" aria-hidden>
          Search ⌘K
        </span>
        <span className="only-narrow" aria-hidden>
          ⌕
        </span>
      </button>
      <button
        type="button"
        className="approvals-button"
        onClick={() => {
          setRightTab("inbox");
          setDrawer("right");
        }}
        aria-label={`Inbox, ${unread} unread`}
      >
        <span className="hide-narrow">Inbox</span>
        <span className="only-narrow" aria-hidden>
          ✉
        </span>
        {unread > 0 && <span className="badge">{unread}</span>}
      </button>
      <button
        type="button"
        className="approvals-button"
        onClick={() => {
          setRightTab("approvals");
          setDrawer("right");
        }}
        aria-label={`Approvals, ${pending} pending`}
      >
        <span className="hide-narrow">Approvals</span>
        <span className="only-narrow" aria-hidden>
          ✓
        </span>
        {pending > 0 && <span className="badge">{pending}</span>}
      </button>
      <button
        type="button"
        className="only-narrow icon"
        aria-label="Details panel"
        aria-expanded={drawer === "right"}
        onClick={() => setDrawer(drawer === "right" ? null : "right")}
      >
        ▤
      </button>
      {me.account.operator && (
        <a className="button-link hide-narrow" href="/admin">
          Admin
        </a>
      )}
      <button type="button" onClick={() => setSettingsOpen(true)} className="hide-narrow">
        Members & keys
      </button>
      <button
        type="button"
        onClick={() => setSettingsOpen(true)}
        className="only-narrow icon"
        aria-label="Members and keys"
      >
        ⚙
      </button>
      <div
        className="user hide-narrow"
        title={me.kind === "agent" ? "Signed in with an agent's API key" : me.user.email}
      >
        <span className="avatar" style={{ background: colorFor(me.user.id) }} aria-hidden>
          {initials(me.user.name)}
        </span>
        <span className="hide-narrow">{me.user.name}</span>
        {me.kind === "agent" && <span className="agent-chip">agent</span>}
      </div>
      <button type="button" className="ghost hide-narrow" onClick={() => void signOut()}>
        Sign out
      </button>
      <button
        type="button"
        className="ghost icon only-narrow"
        aria-label="Sign out"
        title="Sign out"
        onClick={() => void signOut()}
      >
        ⎋
      </button>
    </header>
  );
}

function Workspace() {
  const me = useSession((s) => s.me)!;
  const workspace = useSession(currentWorkspace);
  const settingsOpen = useUi((s) => s.settingsOpen);
  const setSettingsOpen = useUi((s) => s.setSettingsOpen);
  const drawer = useUi((s) => s.drawer);
  const setDrawer = useUi((s) => s.setDrawer);
  const workspaceId = workspace?.id ?? null;

  useEffect(() => {
    if (!workspaceId) return;
    useUi.getState().select(null);
    const closeRoom = useRoom.getState().connect(workspaceId);
    const closeCanvas = useCanvas.getState().connect(workspaceId, { id: me.user.id, name: me.user.name });
    return () => {
      closeRoom();
      closeCanvas();
    };
  }, [workspaceId, me.user.id, me.user.name]);

  // Escape closes a drawer on narrow windows (the dialog handles its own Escape).
  useEffect(() => {
    if (!drawer) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "Escape" && !document.querySelector("dialog[open]")) setDrawer(null);
    };
    addEventListener("keydown", onKey);
    return () => removeEventListener("keydown", onKey);
  }, [drawer, setDrawer]);

  if (!workspace) {
    return (
      <div className="empty-state page">
        <h2>No workspace</h2>
        <p>Your account belongs to no workspace. Ask an owner to add you.</p>
        <AccountNotices />
      </div>
    );
  }
  return (
    <div className={`shell drawer-${drawer ?? "none"}`}>
      <Header />
      <Sidebar />
      <main className="stage" aria-label="Hatchery">
        <Canvas />
      </main>
      <RightPanel />
      {drawer && (
        <button type="button" className="scrim only-narrow" aria-label="Close panel" onClick={() => setDrawer(null)} />
      )}
      <SettingsDialog workspace={workspace} open={settingsOpen} onClose={() => setSettingsOpen(false)} />
      <AccountNotices />
      <InboxAttention />
      <CommandPalette />
    </div>
  );
}

export function App() {
  const phase = useSession((s) => s.phase);
  const load = useSession((s) => s.load);
  useEffect(() => void load(), [load]);
  if (phase === "loading") {
    return (
      <div className="splash" role="status">
        <span className="logo" aria-hidden>
          ◆
        </span>{" "}
        Loading…
      </div>
    );
  }
  return phase === "signed-in" ? <SignedIn /> : <AuthScreen />;
}

/** `/admin` (operators), the waiting screen (a waitlisted account), the no-access notice, else the workspace. */
function SignedIn() {
  const status = useSession((s) => s.me!.account.status);
  const accessLost = useSession((s) => s.accessLost);
  if (location.pathname === "/admin") return <AdminPage />;
  if (status === "waitlisted") return <WaitingScreen />;
  // Unmounting the workspace closes both of its sockets: no reconnect loop against a 4003.
  return accessLost ? <NoAccess name={accessLost.name} /> : <Workspace />;
}
