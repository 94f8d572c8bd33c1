import { describe, expect, it } from "vitest";
import type { Scheduler } from "agents/schedules";
import { TaskHeartbeat } from "./heartbeat";

/** The scheduler's three calls the heartbeat makes, over a list in memory, each taking a turn as storage does. */
function schedules() {
  const rows: { id: string; callback: string }[] = [];
  let n = 0;
  const turn = () => new Promise((resolve) => setTimeout(resolve, 0));
  const scheduler = {
    list: async () => {
      await turn();
      return [...rows];
    },
    every: async (_seconds: number, callback: string) => {
      await turn();
      rows.push({ id: `s${++n}`, callback });
    },
    cancel: async (id: string) => {
      await turn();
      rows.splice(
        rows.findIndex((r) => r.id === id),
        1,
      );
      return true;
    },
  } as unknown as Scheduler;
  const beats = () => rows.filter((r) => r.callback === "resumeTasks").length;
  return { scheduler, beats };
}

const settled = () => new Promise((resolve) => setTimeout(resolve, 20));

describe("the tasks' heartbeat", () => {
  it("is set while tasks run, goes when the last loop ends, and comes back when a waiting task resumes", async () => {
    const { scheduler, beats } = schedules();
    let busy = true;
    const heartbeat = new TaskHeartbeat({ scheduler, busy: () => busy, pump: () => {}, workspaceId: () => "ws" });
    heartbeat.ensure();
    heartbeat.ensure();
    await settled();
    expect(beats()).toBe(1);
    busy = false;
    heartbeat.settle();
    await settled();
    expect(beats()).toBe(0);
    // A task that waited for a person runs again: its loop's start sets the beat again.
    busy = true;
    heartbeat.ensure();
    await settled();
    expect(beats()).toBe(1);
  });

  it("a task started while the beat is being removed keeps one: each step asks whether tasks run when its turn comes", async () => {
    const { scheduler, beats } = schedules();
    let busy = true;
    const heartbeat = new TaskHeartbeat({ scheduler, busy: () => busy, pump: () => {}, workspaceId: () => "ws" });
    heartbeat.ensure();
    await settled();
    busy = false;
    heartbeat.settle();
    busy = true;
    heartbeat.ensure();
    await settled();
    expect(beats()).toBe(1);
  });
});
