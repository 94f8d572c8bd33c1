import { useEffect, useState } from "react";
import type { Approval } from "../../../shared/protocol/approvals";
import { relativeTime, timeUntil } from "../lib/format";
import { useRoom } from "../stores/room";

/**
 * What a person needs to decide an approval without opening it: what will happen (the
 * room's plain-words summary, ids already resolved to names), who asked and on whose
 * behalf, and how long it still waits. Used by the queue, the thread's card and the
 * inspector alike.
 */

/** Re-renders every `ms`, for "expires in …" lines that must not go stale on an idle screen. */
function useMinuteClock(ms = 30_000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(timer);
  }, [ms]);
  return now;
}

/** What it will do; nothing when that is its title word for word (an agent's own request), which every view shows already. */
export function ApprovalSummary({ approval }: { approval: Approval }) {
  if (!approval.summary || approval.summary === approval.title) return null;
  return <p className="approval-summary">{approval.summary}</p>;
}

/** "Asked by the Autopilot for Ada · 5 minutes ago · expires in 23 hours". */
export function ApprovalAsked({ approval }: { approval: Approval }) {
  const now = useMinuteClock();
  const behalf = approval.onBehalfOf && approval.onBehalfOf.id !== approval.requestedBy.id ? approval.onBehalfOf : null;
  return (
    <p className="muted small approval-asked">
      Asked by {approval.requestedBy.name}
      {approval.requestedBy.kind === "agent" && <span className="agent-chip">agent</span>}
      {behalf && (
        <>
          {" "}
          for <strong>{behalf.name}</strong>
          {behalf.kind === "agent" && <span className="agent-chip">agent</span>}
        </>
      )}{" "}
      · {relativeTime(approval.requestedAt, now)}
      {approval.status === "pending" &&
        (approval.expiresAt ? <> · expires {timeUntil(approval.expiresAt, now)}</> : <> · no expiry</>)}
    </p>
  );
}

const ID_FIELDS: Record<string, "threads" | "instances" | "jobs" | "approvals"> = {
  threadId: "threads",
  instanceId: "instances",
  jobId: "jobs",
  approvalId: "approvals",
};

/** An argument's name in words: `threadId` → "Thread", `maxSteps` → "Max steps". */
export function argumentLabel(key: string): string {
  const words = key
    .replace(/Id$/, "")
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/[_-]+/g, " ")
    .trim()
    .toLowerCase();
  return words ? words[0]!.toUpperCase() + words.slice(1) : key;
}

/**
 * A tool call's arguments as a list, each named in words, each id shown as the name the room
 * knows for it (a thread's title, an instance's name), so nobody decides on `thr_babd8c9…`.
 * Arguments that are not a JSON object (clipped ones) show as they are.
 */
export function ToolArguments({ text, compact = false }: { text: string; compact?: boolean }) {
  const state = useRoom((s) => s.state);
  let args: Record<string, unknown> | null = null;
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) args = parsed as Record<string, unknown>;
  } catch {
    args = null;
  }
  if (!args || Object.keys(args).length === 0) {
    return (
      <pre className={compact ? "command compact" : "command"} title="Arguments">
        <code>{text}</code>
      </pre>
    );
  }
  const nameOf = (key: string, value: unknown): string | null => {
    const kind = ID_FIELDS[key];
    if (!kind || typeof value !== "string") return null;
    const item = state[kind].get(value) as { title?: string; name?: string } | undefined;
    return item?.title ?? item?.name ?? null;
  };
  return (
    <dl className={`facts tool-arguments ${compact ? "compact" : ""}`}>
      {Object.entries(args).map(([key, value]) => {
        const name = nameOf(key, value);
        return (
          <div key={key} className="fact">
            <dt title={key}>{argumentLabel(key)}</dt>
            <dd>
              {name ? (
                // The name decides; the id stays at hand in its tooltip.
                <strong title={String(value)}>{name}</strong>
              ) : (
                <code>{typeof value === "string" ? value : JSON.stringify(value)}</code>
              )}
            </dd>
          </div>
        );
      })}
    </dl>
  );
}
