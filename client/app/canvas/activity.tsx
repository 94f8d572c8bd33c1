import { NodeToolbar, Position } from "@xyflow/react";
import { type KeyboardEvent, type MouseEvent, useEffect, useRef, useState } from "react";
import { relativeTime } from "../lib/format";
import { useCanvas } from "../stores/canvas";
import { useRoom } from "../stores/room";
import { useUi } from "../stores/ui";
import { ActivitySchema } from "../../../shared/hatchery/node-schemas";
import type { Activity, ActivityEntry, ActivityKind } from "../../../shared/hatchery/activity";
import { statusWords, toolLabel } from "../../../shared/plain-words";
import { attentionBySubject, type SubjectAttention } from "./attention-state";

/**
 * A subject's activity on its node (shared/hatchery/activity.ts): attention badges from the
 * room's current state, and a compact timeline with counts that opens on click or Enter.
 * The open timeline is a node toolbar (drawn outside the node, at screen size, so the node
 * keeps its size and the list stays readable at any zoom). Clicks and keys stop here, so
 * using them neither selects nor moves the node.
 */

/** The node's activity, parsed again: it came through the shared document. */
export function readActivity(value: unknown): Activity | null {
  const parsed = ActivitySchema.safeParse(value);
  return parsed.success ? parsed.data : null;
}

export function useAttention(subject: string): SubjectAttention | undefined {
  return useRoom((s) => attentionBySubject(s.state).get(subject));
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** "2 approvals waiting", "job running 45%", "1 job failed": what wants a person, in words. */
export function attentionLabels(
  a: SubjectAttention | undefined,
): { key: string; text: string; tone: "warn" | "busy" | "bad" }[] {
  if (!a) return [];
  const labels: { key: string; text: string; tone: "warn" | "busy" | "bad" }[] = [];
  if (a.approvals > 0)
    labels.push({ key: "approvals", text: `${plural(a.approvals, "approval")} waiting`, tone: "warn" });
  if (a.running.length === 1)
    labels.push({ key: "running", text: `job running ${Math.round(a.running[0]!.progress)}%`, tone: "busy" });
  else if (a.running.length > 1)
    labels.push({ key: "running", text: `${a.running.length} jobs running`, tone: "busy" });
  if (a.failed > 0) labels.push({ key: "failed", text: `${plural(a.failed, "job")} failed`, tone: "bad" });
  if (a.broken) labels.push({ key: "broken", text: "instance in error", tone: "bad" });
  return labels;
}

export function AttentionBadges({ subject }: { subject: string }) {
  const labels = attentionLabels(useAttention(subject));
  if (labels.length === 0) return null;
  return (
    <div className="attention-badges" data-testid="attention-badges">
      {labels.map((l) => (
        <span key={l.key} className={`attention-badge tone-${l.tone}`}>
          {l.text}
        </span>
      ))}
    </div>
  );
}

const ICON: Record<ActivityKind, string> = { tool: "ƒ", approval: "✓", job: "⚙" };
const NOUN: Record<ActivityKind, string> = { tool: "tool call", approval: "approval", job: "job" };
/** A remote value used in a class name: letters, digits, `-` and `_` only. */
const token = (value: string) => value.replace(/[^a-z0-9_-]/gi, "").slice(0, 40);

/**
 * Opens an approval or a job in the inspector. The canvas selection is cleared: what is
 * open is not a node, and a click on the subject afterwards must be a new selection that
 * opens it again.
 */
export function useOpenActivity(): (ref: string, options?: { focus?: boolean }) => void {
  const select = useUi((s) => s.select);
  const setSelected = useCanvas((s) => s.setSelected);
  return (ref, options) => {
    setSelected([]);
    select(ref, options);
  };
}

function Entry({ entry }: { entry: ActivityEntry }) {
  const select = useOpenActivity();
  // In words (shared/plain-words.ts); a tool entry written before the table by its tool's name reads the same.
  const status = statusWords(entry.kind, entry.status).toLowerCase();
  const title = entry.kind === "tool" ? toolLabel(entry.title) : entry.title;
  const body = (
    <>
      <span className="activity-icon" aria-hidden>
        {ICON[entry.kind]}
      </span>
      <span className="activity-title">{title}</span>
      <span className={`chip chip-${token(entry.status)}`}>
        {entry.kind === "job" && entry.status === "running" && entry.progress !== null
          ? `${Math.round(entry.progress)}%`
          : status}
      </span>
      <span className="activity-when">{relativeTime(entry.at)}</span>
      {entry.detail && <span className="activity-detail">{entry.detail}</span>}
    </>
  );
  // Approvals and jobs open in the inspector from the room's state; a tool call's details are its thread's message.
  if (entry.kind === "tool") return <li className={`activity-entry kind-${entry.kind}`}>{body}</li>;
  return (
    <li className={`activity-entry kind-${entry.kind}`}>
      <button
        type="button"
        className="activity-open"
        onClick={() => select(entry.ref)}
        aria-label={`Open ${NOUN[entry.kind]} ${title}: ${status}`}
      >
        {body}
      </button>
    </li>
  );
}

const stop = (e: MouseEvent | KeyboardEvent) => e.stopPropagation();

/** "ƒ 3 · ✓ 1" (3 tool calls, 1 approval) that opens the timeline below the node. */
export function ActivityTimeline({ activity, label }: { activity: Activity | null; label: string }) {
  const [open, setOpen] = useState(false);
  const toggle = useRef<HTMLButtonElement>(null);
  const list = useRef<HTMLOListElement>(null);
  useEffect(() => {
    if (open) (list.current?.querySelector<HTMLElement>("button") ?? list.current)?.focus();
  }, [open]);
  if (!activity || activity.entries.length === 0) return null;
  const kinds = (Object.keys(activity.counts) as ActivityKind[]).filter((k) => activity.counts[k] > 0);
  const summary = `${kinds.map((k) => plural(activity.counts[k], NOUN[k])).join(" · ")}${activity.more ? " and older" : ""}`;
  // On the node, icons and numbers (it shares the foot line); in words for screen readers and the tooltip.
  const compact = kinds.map((k) => `${ICON[k]} ${activity.counts[k]}${activity.more ? "+" : ""}`).join(" · ");
  const close = () => {
    setOpen(false);
    toggle.current?.focus();
  };
  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: only stops the node from taking clicks and keys meant for the timeline
    <div className="activity nodrag nowheel" onClick={stop} onDoubleClick={stop} onKeyDown={stop}>
      <button
        ref={toggle}
        type="button"
        className="activity-toggle"
        aria-expanded={open}
        aria-label={`${open ? "Hide" : "Show"} the activity of ${label}: ${summary}`}
        title={summary}
        onClick={() => setOpen(!open)}
      >
        {/* Drawn by CSS (activity.css): the label says it in words, and a check that the visible text is in the name finds nothing to compare. */}
        <span aria-hidden className="activity-compact" data-text={`${open ? "▾" : "▸"} ${compact}`} />
      </button>
      <NodeToolbar isVisible={open} position={Position.Bottom} align="start" offset={6}>
        <section
          className="activity-popover nodrag nowheel"
          aria-label={`Activity of ${label}`}
          onKeyDown={(e) => {
            if (e.key === "Escape") close();
          }}
        >
          <ol ref={list} className="activity-list" tabIndex={-1}>
            {activity.entries.map((e) => (
              <Entry key={e.ref} entry={e} />
            ))}
          </ol>
          {activity.more && (
            <p className="activity-more muted small">
              Older activity is in the thread and the Approvals and Jobs tabs.
            </p>
          )}
        </section>
      </NodeToolbar>
    </div>
  );
}
