// What the schedule tests share (features/schedules/schedules.room.test.ts and
// schedule-runs.room.test.ts): the room by its workspace, the test's clock, a workspace with a
// thread on that clock, and reads of what the room holds. The clock is the test's: vitest's fake
// Date reaches the room (the pool runs the Durable Object in the test's isolate); it starts a day
// ahead of the real one, so no alarm the room sets comes due on its own while a test runs.
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, vi } from "vitest";
import type { ResponseFrame } from "../../../../../../shared/protocol/frames";
import type { Schedule } from "../../../../../../shared/protocol/schedules";
import type { Autopilot } from "../../../room";
import { idem, type Person, RawSocket, signUp } from "../../../../../test/harness";

const rooms = (env as unknown as { Autopilot: DurableObjectNamespace<Autopilot> }).Autopilot;
export const room = (ws: string) => rooms.get(rooms.idFromName(ws));

export const MINUTE = 60_000;
export const DAY = 24 * 60 * MINUTE;

afterEach(() => {
  vi.useRealTimers();
});

/** The room's clock (and the test's) at `at`. */
export const clockAt = (at: number) => vi.setSystemTime(at);

/** The clock when the alarm for a run at `at` rings: the room sets alarms in whole seconds, rounded up. */
export const alarmRings = (at: number) => vi.setSystemTime(Math.ceil(at / 1000) * 1000);

/**
 * Waits until `check` passes; for what the room does after it answered. vi.waitFor times out
 * on the real clock, and moves the fake one on by its interval at each try, as the real one
 * moves it anyway (shouldAdvanceTime).
 */
export const eventually = (check: () => Promise<void>) => vi.waitFor(check, { timeout: 10_000, interval: 20 });

export function failure(res: ResponseFrame): { code: string; message: string; details?: Record<string, unknown> } {
  if (res.ok) throw new Error(`expected a refusal, got ${JSON.stringify(res.payload)}`);
  return res.error;
}

export async function workspace(): Promise<{ owner: Person; sock: RawSocket; threadId: string; t0: number }> {
  const owner = await signUp();
  // From here on the clock is the test's: a day ahead, moved on by the test.
  const t0 = Date.now() + DAY;
  vi.useFakeTimers({ toFake: ["Date"], now: t0, shouldAdvanceTime: true });
  const sock = await RawSocket.open(owner.workspaceId, { cookie: owner.cookie });
  await sock.hello();
  const { thread } = await sock.ok("threads.create", { title: "standup", idempotencyKey: idem() });
  return { owner, sock, threadId: thread.id, t0 };
}

/** A schedule, made over `sock`, that posts `text` in the thread every minute. */
export const everyMinute = async (sock: RawSocket, threadId: string, text: string): Promise<Schedule> =>
  (
    await sock.ok("schedules.create", {
      when: { kind: "every", everyMs: MINUTE },
      action: { kind: "prompt", threadId, text },
      idempotencyKey: idem(),
    })
  ).schedule;

/**
 * A workspace whose schedule posts `text` every minute with no client connected: what runs it
 * is the room's alarm alone. `first`: when its first run is due.
 */
export async function unattendedSchedule(text: string) {
  const { owner, sock, threadId } = await workspace();
  const schedule = await everyMinute(sock, threadId, text);
  sock.close();
  return { owner, ws: owner.workspaceId, threadId, schedule, first: schedule.createdAt + MINUTE };
}

export const messagesIn = async (sock: RawSocket, threadId: string) =>
  (await sock.ok("messages.list", { threadId, limit: 200 })).messages;

export const scheduleIn = async (sock: RawSocket, id: string): Promise<Schedule | undefined> =>
  (await sock.ok("schedules.list", {})).schedules.find((s) => s.id === id);

/** The alarm row's time (whole seconds) for a run at `at`. */
export const second = (at: number) => Math.ceil(at / 1000);

/** The room's `fireSchedules` alarm rows: their times (seconds). */
export const alarms = (ws: string) =>
  runInDurableObject(room(ws), async (r: Autopilot) =>
    (await r.scheduler.list()).filter((row) => row.callback === "fireSchedules").map((row) => row.time),
  );

export const firings = (ws: string) =>
  runInDurableObject(room(ws), (_r, state) =>
    state.storage.sql
      .exec<{ occurrence_at: number; status: string }>(
        "select occurrence_at, status from schedule_firings order by occurrence_at",
      )
      .toArray()
      .map((row) => ({ occurrenceAt: row.occurrence_at, status: row.status })),
  );
