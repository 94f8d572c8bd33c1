import { useUnreadItems } from "../inbox/store";
import { initials } from "../lib/format";
import { ConnectionStatus } from "../panels/ConnectionStatus";
import { usePendingCount } from "../panels/RightPanel";
import { colorFor } from "../stores/canvas";
import { useSession } from "../stores/session";
import { type RightTab, useUi } from "../stores/ui";
import { openTab } from "./navigate";
import { type MenuItem, OverflowMenu } from "./OverflowMenu";
import { Brand } from "./Brand";
import { Options } from "../lib/options";

/** A button opening a tab of the right-hand panel, with the count of what waits there. */
function TabButton({ tab, label, count, counted }: { tab: RightTab; label: string; count: number; counted: string }) {
  return (
    <button type="button" className="approvals-button hide-narrow" onClick={() => openTab(tab)}>
      {label}
      {count > 0 && (
        <span className="badge">
          {count}
          <span className="sr-only"> {counted}</span>
        </span>
      )}
    </button>
  );
}

/**
 * The top bar. Wide: the workspace, the connection, search, the inbox and the approvals,
 * members, the person; on a phone the workspace, the connection and search, with the inbox
 * and approvals in the bottom bar (BottomBar.tsx). The rest is in "More" (⋯) everywhere.
 */
export function Header() {
  const me = useSession((s) => s.me)!;
  const workspaceId = useSession((s) => s.workspaceId);
  const selectWorkspace = useSession((s) => s.selectWorkspace);
  const signOut = useSession((s) => s.signOut);
  const setSettingsOpen = useUi((s) => s.setSettingsOpen);
  const pending = usePendingCount();
  const unread = useUnreadItems();
  const items: MenuItem[] = [
    { label: "Members & keys", run: () => setSettingsOpen(true) },
    ...(me.account.operator ? [{ label: "Admin", href: "/admin" }] : []),
    { label: "Keyboard shortcuts", run: () => useUi.getState().setShortcutsOpen(true) },
    { label: "Sign out", run: () => void signOut() },
  ];
  const who = me.kind === "agent" ? "Signed in with an agent's API key" : me.user.email;
  return (
    <header className="topbar">
      <Brand>
        <span className="hide-narrow">Autopilot</span>
      </Brand>
      <label className="sr-only" htmlFor="workspace-switcher">
        Workspace
      </label>
      <select
        id="workspace-switcher"
        className="workspace-switcher"
        value={workspaceId ?? ""}
        onChange={(e) => selectWorkspace(e.target.value)}
      >
        <Options items={me.workspaces} value={(w) => w.id} label={(w) => w.name} />
      </select>
      <ConnectionStatus />
      <div className="spacer" />
      <button
        type="button"
        className="ghost"
        onClick={() => useUi.getState().setPaletteOpen(true)}
        aria-keyshortcuts="Control+K Meta+K"
        title="Jump to or search (Ctrl+K / ⌘K)"
      >
        <span className="only-narrow" aria-hidden>
          ⌕
        </span>
        <span className="hide-narrow">Search</span>
        <span className="sr-only only-narrow">Search</span>
        <kbd className="hide-narrow" aria-hidden>
          ⌘K
        </kbd>
      </button>
      <TabButton tab="inbox" label="Inbox" count={unread} counted="unread" />
      <TabButton tab="approvals" label="Approvals" count={pending} counted="pending" />
      <button type="button" onClick={() => setSettingsOpen(true)} className="hide-medium hide-narrow">
        Members & keys
      </button>
      {me.account.operator && (
        <a className="button-link hide-medium hide-narrow" href="/admin">
          Admin
        </a>
      )}
      <div className="user hide-narrow" title={who}>
        <span className="avatar" style={{ background: colorFor(me.user.id) }} aria-hidden>
          {initials(me.user.name)}
        </span>
        <span className="hide-medium">{me.user.name}</span>
        {me.kind === "agent" && <span className="agent-chip">agent</span>}
      </div>
      <OverflowMenu
        items={items}
        heading={
          <>
            <strong>{me.user.name}</strong>
            <br />
            {who}
          </>
        }
      />
    </header>
  );
}
