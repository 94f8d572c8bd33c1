import type { ThreadWaiting } from "../../../shared/protocol/agent";

// What a thread shows under messages queued behind the Autopilot's run while that run
// waits for approvals (protocol 8): a pure function of the thread's `waiting`, which the
// room keeps in step with the run.

/** The line under the queued messages, or null when nothing is queued behind a waiting run. */
export function queuedLine(waiting: ThreadWaiting | undefined): string | null {
  if (!waiting || waiting.queuedThroughN === null) return null;
  const titles = waiting.approvals.map((a) => `“${a.title}”`);
  const what =
    titles.length === 0
      ? "an approval"
      : titles.length === 1
        ? `approval ${titles[0]}`
        : `approvals ${titles.join(", ")}`;
  return `Waiting for ${what} — the Autopilot answers after ${titles.length > 1 ? "they are" : "it is"} decided`;
}
