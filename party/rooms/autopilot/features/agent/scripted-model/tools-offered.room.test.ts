// The tools a model call is offered, over the real room (decision 113): a reply's and a task's
// first call carry the everyday tools and tools_load, not the ~80 definitions; a tool the model
// loads is offered from its next call on, in the same reply and in every later step of a task
// (which asks the model once per step, each time from its stored conversation), without
// loading it again; the run log shows the load as a call of its own.
import { describe, expect, it } from "vitest";
import type { RunLogEntry, Task } from "../../../../../../shared/protocol/tasks";
import { idem, uniq } from "../../../../../test/harness";
import { LOAD_TOOL } from "../../toolset/index";
import { agentRoom, autopilotSays, requestMark, requestsFor, say, taskState } from "./test/harness";

const names = (request: { tools?: { function: { name: string } }[] } | undefined) =>
  (request?.tools ?? []).map((t) => t.function.name);
const calledIn = (request: { messages?: { tool_calls?: unknown[] }[] } | undefined) =>
  (request?.messages ?? [])
    .flatMap((m) => m.tool_calls ?? [])
    .map((c) => (c as { function: { name: string } }).function.name);

describe("the tools a model call is offered", () => {
  it("a reply loads a tool once and is offered it from its next call on", async () => {
    const { sock, thread } = await agentRoom();
    const mark = await requestMark();
    const marker = uniq("offer-reply");
    await say(sock, thread.id, `${marker} STEPS: schedules_list {} ; threads_list {"limit":1}`);
    await autopilotSays(sock, thread.id, (m) => (m.text ?? "").startsWith("TOOL RESULT SEEN"));
    const requests = await requestsFor(mark, marker);
    // Load, schedules_list, threads_list, the answer: four calls.
    expect(requests).toHaveLength(4);
    const [first, second, third] = requests;
    expect(names(first)).toContain(LOAD_TOOL);
    expect(names(first)).toContain("threads_list");
    expect(names(first)).not.toContain("schedules_list");
    expect(names(second)).toContain("schedules_list");
    expect(names(third)).toContain("schedules_list");
    expect(calledIn(requests.at(-1)).filter((name) => name === LOAD_TOOL)).toHaveLength(1);
    // Every call sent well under half of what all the run's tools would be.
    expect(JSON.stringify(first?.tools).length).toBeLessThan(20_000);
  });

  it("a task's later steps are offered what an earlier step loaded, from its stored conversation", async () => {
    const { sock, thread } = await agentRoom();
    const mark = await requestMark();
    const marker = uniq("offer-task");
    const { task } = (await sock.ok("tasks.start", {
      goal: `${marker} STEPS: projects_list {} ; threads_list {"limit":1} ; projects_list {}`,
      threadId: thread.id,
      idempotencyKey: idem(),
    })) as { task: Task };
    await taskState(sock, task.id, (t) => t.status === "done");
    const requests = await requestsFor(mark, marker);
    // Load, projects_list, threads_list, projects_list, the report: five steps.
    expect(requests).toHaveLength(5);
    expect(names(requests[0])).not.toContain("projects_list");
    for (const request of requests.slice(1)) expect(names(request)).toContain("projects_list");
    const { entries } = (await sock.ok("runlog.list", { runId: task.id, limit: 100 })) as { entries: RunLogEntry[] };
    const calls = entries.filter((e) => e.kind === "tool-call");
    expect(calls.map((e) => e.details.tool)).toEqual([LOAD_TOOL, "projects_list", "threads_list", "projects_list"]);
    for (const entry of calls) expect(entry.details.status).toBe("ok");
  });
});
