import { type CSSProperties, useEffect } from "react";
import { hasScope } from "../../shared/scopes";
import { AdminPage } from "./admin/AdminPage";
import { AccountNotices } from "./auth/AccountNotices";
import { AuthScreen } from "./auth/AuthScreen";
import { WaitingScreen } from "./auth/WaitingScreen";
import { NoAccess } from "./auth/NoAccess";
import { Canvas } from "./canvas/Canvas";
import { InboxAttention } from "./inbox/InboxAttention";
import { CommandPalette } from "./palette/CommandPalette";
import { RightPanel } from "./panels/RightPanel";
import { SettingsDialog } from "./panels/Settings";
import { Sidebar } from "./panels/Sidebar";
import { BottomBar } from "./shell/BottomBar";
import { Header } from "./shell/Header";
import { ShortcutSheet, useGlobalKeys } from "./shell/ShortcutSheet";
import { SidebarResizer, useSidebarWidth } from "./shell/SidebarResizer";
import { SkipLinks } from "./shell/SkipLinks";
import { followThreadInUrl } from "./shell/thread-url";
import { useCanvas } from "./stores/canvas";
import { useRoom } from "./stores/room";
import { currentWorkspace, useSession } from "./stores/session";
import { useUi } from "./stores/ui";

/**
 * The shell: sign-in, or the workspace — threads on the left, the Hatchery canvas in the
 * middle, inspector / approvals / jobs on the right (on a phone one of them at a time, over
 * a bottom bar: shell/layout.css). Switching workspace tears down both sockets and opens
 * new ones; every store below is fed by those sockets only.
 */

function Workspace() {
  const me = useSession((s) => s.me)!;
  const workspace = useSession(currentWorkspace);
  const settingsOpen = useUi((s) => s.settingsOpen);
  const setSettingsOpen = useUi((s) => s.setSettingsOpen);
  const drawer = useUi((s) => s.drawer);
  const setDrawer = useUi((s) => s.setDrawer);
  const panelWide = useUi((s) => s.panelWide);
  const workspaceId = workspace?.id ?? null;
  // The canvas is the workspace's data: a key without read is refused it (docs/access.md).
  const readsCanvas = workspace ? hasScope(workspace.scopes, "read") : false;
  const [sideWidth, setSideWidth] = useSidebarWidth(me.user.id);
  useGlobalKeys();

  useEffect(() => {
    if (!workspaceId) return;
    // The thread the address names opens (a link, a reload), else nothing is selected.
    const stopFollowing = followThreadInUrl();
    const closeRoom = useRoom.getState().connect(workspaceId);
    const closeCanvas = readsCanvas
      ? useCanvas.getState().connect(workspaceId, { id: me.user.id, name: me.user.name })
      : () => {};
    return () => {
      stopFollowing();
      closeRoom();
      closeCanvas();
    };
  }, [workspaceId, readsCanvas, me.user.id, me.user.name]);

  // Escape on a phone goes back to the canvas (a dialog handles its own Escape).
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
    <div
      className={`shell drawer-${drawer ?? "none"}${panelWide ? " panel-wide" : ""}`}
      style={sideWidth === null ? undefined : ({ "--side-width": `${sideWidth}px` } as CSSProperties)}
    >
      <SkipLinks />
      <Header />
      <AccountNotices />
      <Sidebar />
      <SidebarResizer width={sideWidth} onResize={setSideWidth} />
      <main className="stage" aria-label="Hatchery">
        {readsCanvas ? (
          <Canvas />
        ) : (
          // Never connected, so it would say "Loading the canvas…" for ever: it says why instead.
          <div className="canvas-empty">
            <p>This key cannot read the workspace: the canvas needs read.</p>
          </div>
        )}
      </main>
      <RightPanel />
      <BottomBar />
      <SettingsDialog workspace={workspace} open={settingsOpen} onClose={() => setSettingsOpen(false)} />
      <InboxAttention />
      <CommandPalette />
      <ShortcutSheet />
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
