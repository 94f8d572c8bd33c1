import { describe, expect, it } from "vitest";
import { approvalSummary, MAX_SUMMARY, type NameLookup } from "../approval-summary";
import type { Approval } from "../protocol/approvals";

const names: NameLookup = {
  thread: (id) => (id === "thr_babd8c9" ? "Old plans" : null),
  instance: (id) => (id === "work" ? "Work gateway" : null),
  job: (id) => (id === "job_1" ? "Nightly index" : null),
};
const tool = (name: string, args: unknown): Approval["action"] => ({
  kind: "tool",
  runId: "run_1",
  toolCallId: "call_0",
  tool: name,
  arguments: typeof args === "string" ? args : JSON.stringify(args),
});

describe("what an approval will do, in plain words", () => {
  it("says which task and step asks when a task's step files it", () => {
    const asker = {
      step: 4,
      goal: "Release 1.4: tag, notes and the announcement\nmore lines",
      startedBy: "Alice Owner",
    };
    expect(approvalSummary(tool("threads_archive", { threadId: "thr_babd8c9" }), "t", names, null, asker)).toBe(
      "Step 4 of Alice Owner’s task “Release 1.4: tag, notes and the announcement” wants to archive the thread “Old plans”: it leaves the thread list.",
    );
    expect(approvalSummary(tool("memory_delete", "{}"), "t", names, null, { ...asker, goal: "x".repeat(200) })).toBe(
      `Step 4 of Alice Owner’s task “${"x".repeat(59)}…” wants to forget a note once, with the arguments below.`,
    );
    expect(approvalSummary(tool("openclaw_tool", { tool: "exec" }), "t", names, "Work gateway", asker)).toMatch(
      /^Step 4 of Alice Owner’s task “Release 1\.4.*” wants to run the OpenClaw tool “exec” once on instance “Work gateway”\.$/,
    );
  });

  it("resolves ids to names in the Autopilot's tool calls, and never shows a record id the room has no name for", () => {
    expect(approvalSummary(tool("threads_archive", { threadId: "thr_babd8c9", archived: true }), "t", names)).toBe(
      "The Autopilot will archive the thread “Old plans”: it leaves the thread list.",
    );
    expect(approvalSummary(tool("threads_archive", { threadId: "thr_gone" }), "t", names)).toBe(
      "The Autopilot will archive a thread that is not in this workspace: it leaves the thread list.",
    );
    expect(approvalSummary(tool("jobs_cancel", { jobId: "job_1" }), "t", names)).toBe(
      "The Autopilot will cancel the job “Nightly index”.",
    );
    expect(approvalSummary(tool("instances_attach", { instanceId: "work", threadId: "thr_babd8c9" }), "t", names)).toBe(
      "The Autopilot will let OpenClaw instance “Work gateway” answer in the thread “Old plans”.",
    );
    expect(approvalSummary(tool("openclaw_tool", { tool: "exec", args: {} }), "t", names, "Work gateway")).toBe(
      "The Autopilot runs the OpenClaw tool “exec” once on instance “Work gateway”.",
    );
    // Clipped arguments are not JSON: the tool is still said in words, nothing is guessed.
    expect(approvalSummary(tool("memory_delete", '{"a":'), "t", names)).toBe(
      "The Autopilot will forget a note once, with the arguments below.",
    );
    expect(approvalSummary(tool("memory_wipe", '{"a":'), "t", names)).toBe(
      "The Autopilot will use a tool once, with the arguments below.",
    );
  });

  it("says what each instance operation does, and what OpenClaw's own requests let happen", () => {
    const op = (operation: "provision" | "delete" | "restore", extra = {}) =>
      approvalSummary({ kind: "instance", operation, instanceId: "work", ...extra }, "t", names);
    expect(op("provision", { name: "OpenClaw" })).toMatch(
      /^A new OpenClaw instance “OpenClaw” starts for this workspace/,
    );
    expect(op("delete")).toMatch(/^OpenClaw instance “Work gateway” is deleted: its gateway and state are removed/);
    expect(op("restore", { backupId: "bk_7" })).toMatch(/restored from backup bk_7: its current state is replaced/);
    expect(
      approvalSummary(
        { kind: "exec", instanceId: "work", requestId: "r", command: "rm -rf build", cwd: "/srv", sessionKey: null },
        "t",
        names,
      ),
    ).toBe("An agent on OpenClaw instance “Work gateway” runs `rm -rf build` once in /srv.");
    // In the instance's own directory: the folder inside it, not the host's path to it.
    const execIn = (cwd: string) =>
      approvalSummary(
        { kind: "exec", instanceId: "work", requestId: "r", command: "ls", cwd, sessionKey: null },
        "t",
        names,
      );
    expect(execIn("/tmp/run-x/instances/ws_1/work/workspace/src")).toBe(
      "An agent on OpenClaw instance “Work gateway” runs `ls` once in its folder “workspace/src”.",
    );
    expect(execIn("/data/instances/ws_1/work/")).toMatch(/once in its own folder\.$/);
    // A path that climbs back out of it is not inside it: shown as it is.
    expect(execIn("/data/instances/ws_1/work/../../../etc")).toMatch(
      /in \/data\/instances\/ws_1\/work\/\.\.\/\.\.\/\.\.\/etc\.$/,
    );
    // Another instance's directory, or an id that only starts the same, is shown as it is.
    expect(execIn("/data/instances/ws_1/workshop/workspace")).toMatch(
      /in \/data\/instances\/ws_1\/workshop\/workspace\.$/,
    );
    expect(
      approvalSummary(
        {
          kind: "pairing",
          instanceId: "work",
          target: "device",
          requestId: "r",
          subject: "dev-1",
          summary: "macOS",
          scopes: ["operator.read"],
        },
        "t",
        names,
      ),
    ).toBe("Device dev-1 may connect to OpenClaw instance “Work gateway” with read access.");
    expect(
      approvalSummary(
        {
          kind: "pairing",
          instanceId: "work",
          target: "node",
          requestId: "r",
          subject: "n-1",
          summary: "linux",
          scopes: [],
        },
        "t",
        names,
      ),
    ).toBe(
      "Node n-1 may run the commands it lists in the details for OpenClaw instance “Work gateway”, and the Autopilot may use them, each call approved by a person.",
    );
  });

  it("an agent's own request is summarized by its title; every summary is one bounded line", () => {
    expect(approvalSummary(null, "Deploy build 42\nto prod", names)).toBe("Deploy build 42 to prod");
    const long = approvalSummary(
      { kind: "exec", instanceId: "work", requestId: "r", command: "x".repeat(5000), cwd: null, sessionKey: null },
      "t",
      names,
    );
    expect(long.length).toBe(MAX_SUMMARY);
    expect(long.endsWith("…")).toBe(true);
  });
});
