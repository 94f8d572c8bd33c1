// What wants a person on the canvas (client/app/canvas/attention-state.ts): derived from the
// room's current approvals, jobs and instances, per subject node, never from past events.
import { describe, expect, it } from "vitest";
import type { WorkspaceState } from "../src/state";
import { attentionBySubject, attentionRows, needsAttention, subjectOf } from "../app/canvas/attention-state";
import type { Approval } from "../../shared/protocol/approvals";
import type { Instance } from "../../shared/protocol/instances";
import type { Job } from "../../shared/protocol/jobs";

const bot = { id: "k1", kind: "agent" as const, name: "ci-bot" };
const approval = (id: string, over: Partial<Approval> = {}) =>
  ({ id, title: `A ${id}`, status: "pending", threadId: "t1", requestedAt: 1, action: null, ...over }) as Approval;
const job = (id: string, over: Partial<Job> = {}) =>
  ({ id, title: `J ${id}`, status: "running", progress: 45, threadId: "t1", updatedAt: 1, owner: bot, ...over }) as Job;
const instance = (id: string, status: Instance["status"]) => ({ id, name: `I ${id}`, status }) as Instance;

function room(
  approvals: Approval[],
  jobs: Job[],
  instances: Instance[] = [],
): Pick<WorkspaceState, "approvals" | "jobs" | "instances"> {
  return {
    approvals: new Map(approvals.map((a) => [a.id, a])),
    jobs: new Map(jobs.map((j) => [j.id, j])),
    instances: new Map(instances.map((i) => [i.id, i])),
  };
}

describe("attention on the canvas", () => {
  it("counts what waits, runs and failed per subject: the thread, else the instance an approval concerns", () => {
    const state = room(
      [
        approval("a1"),
        approval("a2"),
        approval("a3", { status: "approved" }),
        approval("a4", { threadId: null, action: { kind: "instance", operation: "backup", instanceId: "lab" } }),
        approval("a5", { threadId: null }),
      ],
      [job("j1"), job("j2", { status: "failed" }), job("j3", { status: "succeeded" }), job("j4", { threadId: null })],
      [instance("lab", "ready"), instance("old", "error")],
    );
    const map = attentionBySubject(state);
    expect(map.get("thread:t1")).toEqual({
      approvals: 2,
      running: [{ title: "J j1", progress: 45 }],
      failed: 1,
      broken: false,
    });
    expect(map.get("instance:lab")).toMatchObject({ approvals: 1, broken: false });
    expect(map.get("instance:old")).toMatchObject({ broken: true });
    expect(needsAttention(map.get("instance:old"))).toBe(true);
    expect(needsAttention(undefined)).toBe(false);
    // The list says what and where; things with no subject are listed too.
    expect(attentionRows(state).map((r) => [r.kind, r.title, r.subject])).toEqual([
      ["approval", "A a1", "thread:t1"],
      ["approval", "A a2", "thread:t1"],
      ["approval", "A a4", "instance:lab"],
      ["approval", "A a5", null],
      ["job", "J j1", "thread:t1"],
      ["job", "J j4", null],
      ["failed", "J j2", "thread:t1"],
      ["instance", "I old", "instance:old"],
    ]);
    // Each row's key is its own; it opens the thing itself (a failed job, the job); a running job says how far it is.
    expect(attentionRows(state).map((r) => [r.key, r.open, r.progress])).toEqual([
      ["approval:a1", "approval:a1", undefined],
      ["approval:a2", "approval:a2", undefined],
      ["approval:a4", "approval:a4", undefined],
      ["approval:a5", "approval:a5", undefined],
      ["job:j1", "job:j1", 45],
      ["job:j4", "job:j4", 45],
      ["failed:j2", "job:j2", undefined],
      ["instance:old", "instance:old", undefined],
    ]);
    // An approval or a job picked in a panel brings its subject into view.
    expect(subjectOf("approval:a4", state)).toBe("instance:lab");
    expect(subjectOf("job:j1", state)).toBe("thread:t1");
    expect(subjectOf("approval:a5", state)).toBeNull();
    expect(subjectOf("note:n1", state)).toBe("note:n1");
  });

  it("follows the current state: decided and finished things leave; an unchanged subject keeps its object", () => {
    const before = attentionBySubject(room([approval("a1"), approval("b1", { threadId: "t2" })], [job("j1")]));
    const after = attentionBySubject(
      room(
        [approval("a1", { status: "denied" }), approval("b1", { threadId: "t2" })],
        [job("j1", { status: "succeeded" })],
      ),
    );
    expect(after.get("thread:t1")).toBeUndefined();
    // So a node whose attention did not change is not rendered again.
    expect(after.get("thread:t2")).toBe(before.get("thread:t2"));
  });
});
