import { useMemo } from "react";
import { FilterChips } from "../lib/filter-chips";
import type { FlowNode } from "../stores/canvas";
import { useRoom } from "../stores/room";
import { useOpenActivity } from "./activity";
import { type AttentionRow, attentionRows } from "./attention-state";
import { type CanvasFilter, useCanvasFilter, useInternalCount } from "./filter";

/**
 * The canvas's overlays for what wants a person: the "Needs attention" list (pending
 * approvals, running jobs, failed jobs and instances, from the room's current state) and
 * the filter chips with the internal-sessions toggle (filter.ts).
 */

const FILTERS: { id: CanvasFilter; label: string; hint: string }[] = [
  { id: "all", label: "All", hint: "Everything on the canvas" },
  {
    id: "attention",
    label: "Needs attention",
    hint: "Threads and instances with approvals waiting, failed jobs or errors",
  },
  { id: "running", label: "Running", hint: "Running jobs, sessions and starting instances" },
  { id: "mine", label: "Mine", hint: "Threads you started or wrote in, your instances and sessions, notes and groups" },
];

export function CanvasFilters({ nodes }: { nodes: FlowNode[] }) {
  const filter = useCanvasFilter((s) => s.filter);
  const setFilter = useCanvasFilter((s) => s.setFilter);
  const showInternal = useCanvasFilter((s) => s.showInternal);
  const setShowInternal = useCanvasFilter((s) => s.setShowInternal);
  const internal = useInternalCount(nodes);
  return (
    <div className="canvas-filters" role="toolbar" aria-label="Filter the canvas">
      <FilterChips options={FILTERS} value={filter} onChange={setFilter} />
      <NeedsAttention />
      {internal > 0 && (
        <label
          className="internal-toggle"
          title="Sessions the gateway runs for itself: its main session, heartbeat polls, cron runs, subagents"
        >
          <input type="checkbox" checked={showInternal} onChange={(e) => setShowInternal(e.target.checked)} /> Show
          internal sessions ({internal})
        </label>
      )}
    </div>
  );
}

const WHAT: Record<AttentionRow["kind"], string> = {
  approval: "Approval waiting",
  job: "Job running",
  failed: "Job failed",
  instance: "Instance in error",
};

function Row({ row, where }: { row: AttentionRow; where: string | null }) {
  const select = useOpenActivity();
  // The inspector opens the approval or job from the room's state; the canvas brings its subject into view (Canvas.tsx).
  return (
    <li className={`attention-row kind-${row.kind}`}>
      <button type="button" className="attention-open" onClick={() => select(row.open, { focus: true })}>
        <span className="attention-what">
          {WHAT[row.kind]}
          {row.kind === "job" && row.progress !== undefined ? ` · ${Math.round(row.progress)}%` : ""}
        </span>
        <span className="attention-title">{row.title}</span>
        <span className="attention-where muted small">{where ? `in ${where}` : "not on the canvas"}</span>
      </button>
    </li>
  );
}

/**
 * "⚑ 3 need attention" at the end of the filter bar; the list opens below it on demand, so
 * nothing of it covers the canvas until asked.
 */
export function NeedsAttention() {
  const approvals = useRoom((s) => s.state.approvals);
  const jobs = useRoom((s) => s.state.jobs);
  const instances = useRoom((s) => s.state.instances);
  const threads = useRoom((s) => s.state.threads);
  const open = useCanvasFilter((s) => s.attentionOpen);
  const setOpen = useCanvasFilter((s) => s.setAttentionOpen);
  const rows = useMemo(() => attentionRows({ approvals, jobs, instances }), [approvals, jobs, instances]);
  if (rows.length === 0) return null;
  const where = (subject: string | null): string | null => {
    if (!subject) return null;
    const [kind, ...rest] = subject.split(":");
    const ref = rest.join(":");
    return kind === "thread" ? `#${threads.get(ref)?.title ?? ref}` : (instances.get(ref)?.name ?? ref);
  };
  return (
    <section className="needs-attention" aria-label="Needs attention" data-testid="needs-attention">
      <button
        type="button"
        className="needs-attention-head"
        aria-expanded={open}
        onClick={() => setOpen(!open)}
        title="Approvals waiting, jobs running, failed jobs and instances"
      >
        <span aria-hidden>⚑</span> {rows.length} need{rows.length === 1 ? "s" : ""} attention
      </button>
      {open && (
        <ul className="attention-list">
          {rows.slice(0, 50).map((row) => (
            <Row key={row.key} row={row} where={where(row.subject)} />
          ))}
        </ul>
      )}
    </section>
  );
}
