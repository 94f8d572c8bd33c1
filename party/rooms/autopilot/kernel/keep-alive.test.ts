import type { LifecycleJobs } from "agents/lifecycle";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { FIRST_BEAT_AFTER_MS, KEEP_ALIVE_JOB, KeepAlive } from "./keep-alive";

/** The queue's two calls the beat makes, recorded (the real queue is the framework's, pinned in framework-contract.test.ts). */
function recordingJobs() {
  const calls: string[] = [];
  const jobs = {
    push: async (job: { id: string; time: number }) => {
      calls.push(`push ${job.id}`);
    },
    cancel: async (id: string) => {
      calls.push(`cancel ${id}`);
      return true;
    },
  } as unknown as LifecycleJobs;
  return { calls, keepAlive: new KeepAlive(() => jobs) };
}

describe("the room's keep-alive", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("a hold released before its first beat is due writes nothing to the queue", async () => {
    const { calls, keepAlive } = recordingJobs();
    const release = await keepAlive.hold();
    await vi.advanceTimersByTimeAsync(FIRST_BEAT_AFTER_MS - 1);
    release();
    await vi.advanceTimersByTimeAsync(FIRST_BEAT_AFTER_MS * 2);
    expect(calls).toEqual([]);
    expect(keepAlive.beat()).toBeUndefined();
  });

  it("a longer hold writes the beat once, beats while held, and cancels it when the last hold ends", async () => {
    const { calls, keepAlive } = recordingJobs();
    const first = await keepAlive.hold();
    const second = await keepAlive.hold();
    await vi.advanceTimersByTimeAsync(FIRST_BEAT_AFTER_MS);
    expect(calls).toEqual([`push ${KEEP_ALIVE_JOB}`]);
    expect(keepAlive.beat()).toMatchObject({ rescheduleAt: expect.any(Number) });
    first();
    first();
    expect(calls).toEqual([`push ${KEEP_ALIVE_JOB}`]);
    expect(keepAlive.beat()).toMatchObject({ rescheduleAt: expect.any(Number) });
    second();
    await vi.advanceTimersByTimeAsync(0);
    expect(calls).toEqual([`push ${KEEP_ALIVE_JOB}`, `cancel ${KEEP_ALIVE_JOB}`]);
    expect(keepAlive.beat()).toBeUndefined();
  });

  it("a beat an earlier wake left becomes the beat of a hold still waiting: it is not written twice, and is cancelled", async () => {
    const { calls, keepAlive } = recordingJobs();
    const release = await keepAlive.hold();
    expect(keepAlive.beat()).toMatchObject({ rescheduleAt: expect.any(Number) });
    await vi.advanceTimersByTimeAsync(FIRST_BEAT_AFTER_MS);
    release();
    await vi.advanceTimersByTimeAsync(0);
    expect(calls).toEqual([`cancel ${KEEP_ALIVE_JOB}`]);
  });
});
