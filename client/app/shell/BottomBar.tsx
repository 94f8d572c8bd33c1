import { useUnreadItems } from "../inbox/store";
import { usePendingCount } from "../panels/RightPanel";
import { useUi } from "../stores/ui";
import { openTab, showCanvas, showThreads } from "./navigate";

type Section = "threads" | "canvas" | "details" | "inbox" | "approvals";

/**
 * A phone's sections, in reach of a thumb: threads, the canvas, the details of what is
 * open, the inbox and the approvals. Hidden on wide windows (layout.css), where all of
 * them are on screen at once.
 */
export function BottomBar() {
  const drawer = useUi((s) => s.drawer);
  const tab = useUi((s) => s.rightTab);
  const pending = usePendingCount();
  const unread = useUnreadItems();
  const current: Section =
    drawer === "left"
      ? "threads"
      : drawer === null
        ? "canvas"
        : tab === "inbox" || tab === "approvals"
          ? tab
          : "details";
  const item = (section: Section, icon: string, label: string, run: () => void, more = "", badge?: number) => (
    <button type="button" aria-current={current === section ? "page" : undefined} onClick={run}>
      <span className="bottom-icon" aria-hidden>
        {icon}
      </span>
      <span>
        {label}
        {more && <span className="sr-only">{more}</span>}
      </span>
      {badge !== undefined && badge > 0 && (
        <span className={`badge ${section}-badge`}>
          {badge}
          <span className="sr-only"> {section === "inbox" ? "unread" : "pending"}</span>
        </span>
      )}
    </button>
  );
  return (
    <nav className="bottom-bar" aria-label="Sections">
      {item("threads", "☰", "Threads", showThreads, " and projects")}
      {item("canvas", "◇", "Canvas", showCanvas)}
      {item("details", "▤", "Details", () => openTab(current === "details" ? tab : "inspector"), " panel")}
      {item("inbox", "✉", "Inbox", () => openTab("inbox"), "", unread)}
      {item("approvals", "✓", "Approvals", () => openTab("approvals"), "", pending)}
    </nav>
  );
}
