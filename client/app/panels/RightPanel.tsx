import { type ComponentType, useEffect, useMemo, useState, type KeyboardEvent, type ReactNode } from "react";
import { APPROVAL_FILTERS, type ApprovalFilter, emptyFilterWords, inApprovalFilter } from "../lib/approval-filter";
import { FilterChips } from "../lib/filter-chips";
import { relativeTime } from "../lib/format";
import { ProgressBar } from "../lib/progress-bar";
import { sortApprovals, useRoom } from "../stores/room";
import { useUi, type RightTab } from "../stores/ui";
import { statusWords } from "../../../shared/plain-words";
import { ApprovalActionDetails, ApprovalActions } from "./ApprovalActions";
import { ApprovalAsked, ApprovalSummary } from "./ApprovalContext";
import { ApprovalFiguresLine, ApprovalReachLine } from "./ApprovalReach";
import { AuditView } from "./Audit";
import { CommunityView } from "./community/CommunityView";
import { Inspector } from "./Inspector";
import { LoadMore } from "./LoadMore";
import { MemoryView } from "./Memory";
import { TasksPanel, useUnfinishedCount } from "./Tasks";
import { ScheduleDialogHost } from "./schedules/ScheduleDialog";
import { SchedulesPanel } from "./schedules/Schedules";
import { TabRow } from "./TabRow";
import { BillingView } from "./billing/BillingView";
import { RunsView } from "./runs/RunsView";
import { takeCheckoutReturn } from "./billing/checkout-return";
import { InboxPanel } from "../inbox/InboxPanel";
import { useUnreadItems } from "../inbox/store";
import { togglePanelWide } from "../shell/navigate";
import { currentWorkspace, useSession } from "../stores/session";

/** Right column: the inspector, the shared approval queue (with its badge) and job progress. */

/** Pending approvals, those the hello left out included. */
export function usePendingCount(): number {
  return useRoom((s) => {
    let n = s.state.more.approvals.left;
    for (const a of s.state.approvals.values()) if (a.status === "pending") n++;
    return n;
  });
}

/** Per queue: the list's name, what its items open as, what Load more counts, the heading when empty. */
const QUEUES = {
  approvals: { label: "Approval queue", open: "approval", noun: "pending", none: "No approvals" },
  jobs: { label: "Jobs", open: "job", noun: "running", none: "No jobs" },
} as const;

/**
 * A tab's list of approvals or jobs: `empty` says what comes here while there are none,
 * here or on the server; else each item, opened by its title button (`head`), with `body`
 * under it, then Load more.
 */
function Queue<T extends { id: string; status: string }>({
  kind,
  items,
  empty,
  emptyFilter,
  head,
  body,
}: {
  kind: keyof typeof QUEUES;
  items: readonly T[];
  empty: ReactNode;
  /** A filter's own empty words, instead of the first-use ones. */
  emptyFilter?: { title: string; text: string } | null;
  head: (item: T) => ReactNode;
  body: (item: T) => ReactNode;
}) {
  const select = useUi((s) => s.select);
  const left = useRoom((s) => s.state.more[kind].left);
  const { label, open, noun, none } = QUEUES[kind];
  if (items.length === 0 && left === 0) {
    return (
      <div className="empty-state">
        <h2>{emptyFilter?.title ?? none}</h2>
        <p>{emptyFilter?.text ?? empty}</p>
      </div>
    );
  }
  return (
    <>
      <ul className="queue" aria-label={label}>
        {items.map((item) => (
          <li key={item.id} className={`queue-item status-${item.status}`}>
            <button type="button" className="queue-title" onClick={() => select(`${open}:${item.id}`, { focus: true })}>
              {head(item)}
            </button>
            {body(item)}
          </li>
        ))}
      </ul>
      <LoadMore kind={kind} noun={noun} />
    </>
  );
}

function ApprovalQueue() {
  const approvals = useRoom((s) => s.state.approvals);
  const [filter, setFilter] = useState<ApprovalFilter>("all");
  // Every pending one (pages loaded later included), then the most recent decided ones.
  const list = useMemo(() => {
    const sorted = sortApprovals(approvals.values()).filter((a) => inApprovalFilter(filter, a));
    return sorted.slice(0, Math.max(60, sorted.filter((a) => a.status === "pending").length));
  }, [approvals, filter]);
  return (
    <>
      <div className="queue-filters" role="toolbar" aria-label="Show approvals">
        <FilterChips options={APPROVAL_FILTERS} value={filter} onChange={setFilter} />
      </div>
      <ApprovalFiguresLine />
      <Queue
        kind="approvals"
        items={list}
        emptyFilter={emptyFilterWords(filter)}
        empty={
          <>
            When an agent asks a person to confirm something risky —{" "}
            <code>autopilot request-approval "Deploy" --wait</code> — it lands here for everyone at once. The first
            decision wins.
          </>
        }
        head={(a) => (
          <>
            <span className={`chip risk-${a.risk}`}>{a.risk}</span>
            <span className="nav-title">{a.title}</span>
          </>
        )}
        body={(a) => (
          <>
            <ApprovalSummary approval={a} />
            <ApprovalAsked approval={a} />
            <ApprovalReachLine approval={a} />
            <ApprovalActions approval={a} compact />
            <ApprovalActionDetails approval={a} compact />
          </>
        )}
      />
    </>
  );
}

function Jobs() {
  const jobs = useRoom((s) => s.state.jobs);
  const list = useMemo(
    () =>
      [...jobs.values()]
        .sort((a, b) => Number(b.status === "running") - Number(a.status === "running") || b.updatedAt - a.updatedAt)
        .slice(0, 60),
    [jobs],
  );
  return (
    <Queue
      kind="jobs"
      items={list}
      empty={
        <>
          Agents report long work with <code>autopilot job start "Index repo"</code> and progress updates; it shows here
          and on the canvas.
        </>
      }
      head={(j) => (
        <>
          <span className="nav-title">{j.title}</span>
          <span className={`chip chip-${j.status}`}>{statusWords("job", j.status)}</span>
        </>
      )}
      body={(j) => (
        <>
          <ProgressBar label={`${j.title} progress`} now={j.progress} />
          <p className="muted small">
            {Math.round(j.progress)}% · {j.error ?? (j.message || `by ${j.owner.name}`)} · {relativeTime(j.updatedAt)}
          </p>
        </>
      )}
    />
  );
}

/** What each tab shows. */
const VIEWS: Record<RightTab, ComponentType> = {
  inspector: Inspector,
  inbox: InboxPanel,
  approvals: ApprovalQueue,
  tasks: TasksPanel,
  schedules: SchedulesPanel,
  jobs: Jobs,
  memory: MemoryView,
  community: CommunityView,
  usage: BillingView,
  runs: RunsView,
  audit: AuditView,
};

const TABS: Array<{ id: RightTab; label: string }> = [
  { id: "inspector", label: "Inspector" },
  { id: "inbox", label: "Inbox" },
  { id: "community", label: "Community" },
  { id: "approvals", label: "Approvals" },
  { id: "tasks", label: "Tasks" },
  { id: "schedules", label: "Schedules" },
  { id: "jobs", label: "Jobs" },
  { id: "memory", label: "Memory" },
  // Usage (tokens and time) now sits inside Billing; the tab keeps its id, which the palette opens it by.
  { id: "usage", label: "Billing" },
  // Owners and admins only (decision 83): the runs over time.
  { id: "runs", label: "Runs" },
  { id: "audit", label: "Audit" },
];

/** On a wide window: the panel takes the canvas's place (a chat with room to read), and gives it back. */
function WideToggle() {
  const wide = useUi((s) => s.panelWide);
  return (
    <button
      type="button"
      className="ghost icon panel-wide-toggle"
      aria-label="Wide panel"
      aria-pressed={wide}
      aria-keyshortcuts="W"
      title={wide ? "Give the main area back to the canvas (W)" : "Give this panel the main area (W)"}
      onClick={togglePanelWide}
    >
      {wide ? "⤡" : "⤢"}
    </button>
  );
}

export function RightPanel() {
  // Back from Stripe's checkout: Billing opens and says how it went.
  useEffect(() => takeCheckoutReturn(), []);
  const tab = useUi((s) => s.rightTab);
  const View = VIEWS[tab];
  const setTab = useUi((s) => s.setRightTab);
  const pending = usePendingCount();
  const unread = useUnreadItems();
  const unfinishedTasks = useUnfinishedCount();
  const manager = useSession((s) => currentWorkspace(s)?.scopes.includes("admin") ?? false);
  const tabs = manager ? TABS : TABS.filter((t) => t.id !== "runs");
  const running = useRoom((s) => {
    let n = 0;
    for (const j of s.state.jobs.values()) if (j.status === "running") n++;
    return n;
  });
  // Arrow keys, Home and End move between tabs (the WAI-ARIA tabs pattern), over the ones shown (a phone has the inbox and the approvals in its bottom bar).
  const onKeyDown = (e: KeyboardEvent) => {
    const shown = tabs.filter((t) => document.getElementById(`tab-${t.id}`)?.offsetParent !== null);
    const i = shown.findIndex((t) => t.id === tab);
    const next =
      e.key === "ArrowRight"
        ? shown[(i + 1) % shown.length]
        : e.key === "ArrowLeft"
          ? shown[(i + shown.length - 1) % shown.length]
          : e.key === "Home"
            ? shown[0]
            : e.key === "End"
              ? shown.at(-1)
              : null;
    if (next) {
      e.preventDefault();
      setTab(next.id);
      // The row brings the tab into view itself (TabRow), without scrolling anything else.
      document.getElementById(`tab-${next.id}`)?.focus({ preventScroll: true });
    }
  };
  return (
    <aside className="right-panel" aria-label="Details">
      <div className="panel-head">
        <TabRow id="right-tablist" selectedId={`tab-${tab}`} onKeyDown={onKeyDown}>
          {tabs.map((t) => (
            <button
              key={t.id}
              id={`tab-${t.id}`}
              type="button"
              role="tab"
              aria-selected={tab === t.id}
              tabIndex={tab === t.id ? 0 : -1}
              aria-controls="right-tabpanel"
              onClick={() => setTab(t.id)}
            >
              {t.label}
              {t.id === "approvals" && pending > 0 && (
                <span className="badge" title={`${pending} pending`} data-testid="approval-badge">
                  {pending}
                </span>
              )}
              {t.id === "inbox" && unread > 0 && (
                <span className="badge" title={`${unread} unread`} data-testid="inbox-badge">
                  {unread}
                </span>
              )}
              {t.id === "tasks" && unfinishedTasks > 0 && (
                <span className="badge subtle" title={`${unfinishedTasks} unfinished`}>
                  {unfinishedTasks}
                </span>
              )}
              {t.id === "jobs" && running > 0 && <span className="badge subtle">{running}</span>}
            </button>
          ))}
        </TabRow>
        <WideToggle />
      </div>
      {/* Focusable from code: "Skip to the chat" lands here when no thread is open. */}
      <div className="tabpanel" id="right-tabpanel" role="tabpanel" aria-labelledby={`tab-${tab}`} tabIndex={-1}>
        <View />
      </div>
      <ScheduleDialogHost />
    </aside>
  );
}
