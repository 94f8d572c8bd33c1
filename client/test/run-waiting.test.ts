import { describe, expect, it } from "vitest";
import type { ThreadWaiting } from "../../shared/protocol/agent";
import { queuedLine } from "../app/lib/run-waiting";

const waiting = (over: Partial<ThreadWaiting> = {}): ThreadWaiting => ({
  runId: "run_1",
  approvals: [{ id: "apr_1", title: "Autopilot wants to run threads_archive" }],
  afterN: 3,
  queuedThroughN: 5,
  ...over,
});

describe("the line under messages queued behind a waiting run", () => {
  it("names what they wait for", () => {
    expect(queuedLine(waiting())).toBe(
      "Waiting for approval “Autopilot wants to run threads_archive” — the Autopilot answers after it is decided",
    );
    expect(
      queuedLine(
        waiting({
          approvals: [
            { id: "a", title: "A" },
            { id: "b", title: "B" },
          ],
        }),
      ),
    ).toBe("Waiting for approvals “A”, “B” — the Autopilot answers after they are decided");
    expect(queuedLine(waiting({ approvals: [] }))).toBe(
      "Waiting for an approval — the Autopilot answers after it is decided",
    );
  });

  it("shows nothing when no run waits or nothing is queued behind it", () => {
    expect(queuedLine(undefined)).toBeNull();
    expect(queuedLine(waiting({ queuedThroughN: null }))).toBeNull();
  });
});
