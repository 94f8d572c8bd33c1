// The end-to-end tests' clock (decision 85): with DEV_TEST_CLOCK=1, which only a test's own
// `wrangler dev` gets (never wrangler.toml), a test moves the Worker's time by an offset through
// the loopback route `/api/dev/clock` (party/api/dev-clock.ts), so a browser test can make a
// week of runs through the real rooms instead of writing past rows by hand. The Worker and its
// Durable Objects share one isolate under wrangler dev, so one `Date` serves every stamp the
// rooms and better-auth write. A room's alarm is a real time to workerd: a room that asks for
// one at a shifted time has it set at the real time that shifted time stands for, or an alarm
// set a day "ago" would ring at once, find nothing due on the shifted clock and ring again.
// Production never sets the var, and without it nothing here is installed.

/** The furthest a test may move the clock either way: the longest window the rooms count. */
export const MAX_TEST_CLOCK_OFFSET_MS = 31 * 24 * 3600_000;

let offsetMs = 0;
let realDate: DateConstructor | null = null;

export const testClockOn = (env: { DEV_TEST_CLOCK?: string }): boolean => env.DEV_TEST_CLOCK === "1";

/** How far the clock is moved now (0 when it never was). */
export const testClockOffset = (): number => offsetMs;

/**
 * Moves the isolate's `Date` by `offset` ms from the real time (0 puts it back). `Date.now()`
 * and `new Date()` read the moved time; a `Date` of a given time, `Date.parse` and
 * `Date.UTC` are untouched.
 */
export function setTestClock(offset: number): void {
  if (!Number.isSafeInteger(offset) || Math.abs(offset) > MAX_TEST_CLOCK_OFFSET_MS)
    throw new RangeError(`a test clock offset is a whole number of ms within ±${MAX_TEST_CLOCK_OFFSET_MS}`);
  offsetMs = offset;
  if (realDate) return;
  const real = Date;
  realDate = real;
  const now = () => real.now() + offsetMs;
  // A Proxy, not a subclass: `Date()` called without `new`, `instanceof Date` and every static
  // keep working as the real one's.
  globalThis.Date = new Proxy(real, {
    construct: (target, args, newTarget) => Reflect.construct(target, args.length === 0 ? [now()] : args, newTarget),
    apply: () => new real(now()).toString(),
    get: (target, key, receiver) => (key === "now" ? now : Reflect.get(target, key, receiver)),
  });
}

/** Puts the real `Date` back (the room tests that install the clock, when they end). */
export function removeTestClock(): void {
  if (realDate) globalThis.Date = realDate;
  realDate = null;
  offsetMs = 0;
}

type AlarmTime = number | Date;

/**
 * A room's storage whose alarms are read and set on the test clock (DEV_TEST_CLOCK=1 only): the
 * alarm asked for at a moved time is set at the real time it stands for, and read back moved.
 * After the clock moves on, an alarm set before rings late by as much, until the room sets its
 * alarm again (any change to its jobs does).
 */
export function alarmsOnTestClock(storage: DurableObjectStorage, env: { DEV_TEST_CLOCK?: string }): void {
  if (!testClockOn(env)) return;
  const setAlarm = storage.setAlarm.bind(storage);
  const getAlarm = storage.getAlarm.bind(storage);
  storage.setAlarm = (time: AlarmTime, options?: DurableObjectSetAlarmOptions) =>
    setAlarm(Number(time) - offsetMs, options);
  storage.getAlarm = async (options?: DurableObjectGetAlarmOptions) => {
    const time = await getAlarm(options);
    return time === null ? null : time + offsetMs;
  };
}
