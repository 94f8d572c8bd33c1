// The week before today in the Runs view's browser test (tasks-runs-view.ts): runs made through
// the real room on the scripted model, each day at an hour of its own in the reader's zone, on a
// server whose clock the test moves (DEV_TEST_CLOCK=1, `/api/dev/clock`, decision 85). Nothing is written
// into a table by hand: people ask in the workspace's threads and the owner starts tasks, as
// they would have on those days.
import type { RunSummary, RunsStatsResult } from "../../shared/protocol/runs";
import type { AutopilotClient } from "../src/client";
import { until } from "./e2e-helpers";
import { threadTitle } from "./workspace-seed";

/** Zones of whole hours' offsets around the world: one of them is near noon at any hour. */
const ZONES = [
  "Pacific/Pago_Pago",
  "Pacific/Honolulu",
  "America/Anchorage",
  "America/Los_Angeles",
  "America/Denver",
  "America/Chicago",
  "America/New_York",
  "America/Halifax",
  "America/Sao_Paulo",
  "Atlantic/South_Georgia",
  "Atlantic/Cape_Verde",
  "Europe/London",
  "Europe/Berlin",
  "Europe/Athens",
  "Europe/Moscow",
  "Asia/Dubai",
  "Asia/Karachi",
  "Asia/Dhaka",
  "Asia/Bangkok",
  "Asia/Shanghai",
  "Asia/Tokyo",
  "Australia/Brisbane",
  "Pacific/Noumea",
  "Pacific/Auckland",
];

/** Minutes past midnight in `zone` at `at`. */
function minutesIn(zone: string, at: number): number {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone: zone,
    hour: "numeric",
    minute: "numeric",
    hourCycle: "h23",
  })
    .formatToParts(at)
    .reduce<Record<string, string>>((all, p) => Object.assign(all, { [p.type]: p.value }), {});
  return Number(parts.hour) * 60 + Number(parts.minute);
}

/**
 * The reader's zone: the browser's (its contexts are opened in it) and every `runs.stats` of the
 * test's. The one nearest noon when the file starts: its midnight, which would move the week's
 * window under a running test, is hours away whenever CI runs it.
 */
export const READER_ZONE = ZONES.reduce((best, zone) =>
  Math.abs(minutesIn(zone, Date.now()) - 720) < Math.abs(minutesIn(best, Date.now()) - 720) ? zone : best,
);

/** A day of the week before: how many days ago, the hour its runs start at, its replies (which fail at the model, which call tools) and tasks. */
interface PastDay {
  ago: number;
  hour: number;
  replies: number;
  failing: readonly number[];
  /** Reply index → the tools its run calls, one per step. */
  tools: Readonly<Record<number, readonly string[]>>;
  tasks: number;
}

/** Six days back to yesterday; two days ago was quiet. The owner asks the even replies, the member the odd ones. */
export const WEEK_BEFORE: readonly PastDay[] = [
  { ago: 6, hour: 10, replies: 5, failing: [3], tools: { 1: ["threads_list {}", "memory_list {}"] }, tasks: 1 },
  { ago: 5, hour: 14, replies: 8, failing: [], tools: { 2: ["jobs_list {}"], 5: ["approvals_list {}"] }, tasks: 1 },
  { ago: 4, hour: 9, replies: 3, failing: [], tools: {}, tasks: 0 },
  { ago: 3, hour: 16, replies: 6, failing: [1, 4], tools: { 0: ["threads_list {}"] }, tasks: 2 },
  { ago: 2, hour: 12, replies: 0, failing: [], tools: {}, tasks: 0 },
  {
    ago: 1,
    hour: 11,
    replies: 9,
    failing: [6],
    tools: { 3: ["memory_list {}"], 7: ["threads_list {}", "jobs_list {}"] },
    tasks: 1,
  },
];

const QUESTIONS = [
  "what is still open here?",
  "summarise the last messages for me",
  "who owns the next step?",
  "draft a short status update",
  "anything blocking this?",
  "list the decisions so far",
  "what changed since Monday?",
  "remind me what we agreed",
  "is this ready to close?",
];

/** The day (YYYY-MM-DD) of `at` in `zone`. */
export const dayIn = (zone: string, at: number): string =>
  new Intl.DateTimeFormat("en-CA", { timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit" }).format(at);

/** How far `zone`'s wall clock is ahead of UTC at `at`. */
function zoneOffsetMs(zone: string, at: number): number {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-US", {
      timeZone: zone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    })
      .formatToParts(at)
      .map((p) => [p.type, Number(p.value)]),
  ) as Record<string, number>;
  const wall = Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!);
  return wall - Math.floor(at / 1000) * 1000;
}

/** `hour` o'clock in `zone` on the day `ago` days before today there. */
export function hourDaysAgo(zone: string, ago: number, hour: number, now = Date.now()): number {
  const [y, m, d] = dayIn(zone, now).split("-").map(Number) as [number, number, number];
  const wallUtc = Date.UTC(y, m - 1, d - ago, hour);
  return wallUtc - zoneOffsetMs(zone, wallUtc);
}

/** Moves the server's clock to `offsetMs` from the real time (0 puts it back); returns the server's now. */
export async function moveServerClock(url: string, offsetMs: number): Promise<number> {
  const res = await fetch(`${url}/api/dev/clock`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ offsetMs: Math.round(offsetMs) }),
  });
  if (!res.ok) throw new Error(`the server's clock did not move: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { now: number }).now;
}

/** Every run has ended (a waiting one aside) and, when it ended, has its trace. */
export const runsEnded = (runs: readonly RunSummary[]) =>
  runs.every((r) => r.outcome !== "running" && (r.outcome === "waiting" || r.traceId !== null));

/** Threads the week's replies go to: the workspace's own, the archived one left out. */
const askedThreads = (threadIds: readonly string[], archived: string) => threadIds.filter((id) => id !== archived);

/**
 * Makes the week before today on the server at `url`: for each day, the clock at its hour in
 * READER_ZONE, the day's questions asked (owner and member by turns, each in another thread)
 * and its tasks started, and waits until the room has every run of the day ended; then puts
 * the clock back, also when something fails. Returns, per day, the runs `runs.stats` counts.
 */
export async function makeWeekBefore(deps: {
  url: string;
  owner: AutopilotClient;
  member: AutopilotClient;
  threadIds: readonly string[];
  archivedThread: string;
}): Promise<Map<string, number>> {
  const threads = askedThreads(deps.threadIds, deps.archivedThread);
  const made = new Map<string, number>();
  let next = 0;
  try {
    for (const day of WEEK_BEFORE) {
      const at = hourDaysAgo(READER_ZONE, day.ago, day.hour);
      const serverNow = await moveServerClock(deps.url, at - Date.now());
      const date = dayIn(READER_ZONE, serverNow);
      for (let i = 0; i < day.replies; i++) {
        const threadId = threads[next++ % threads.length]!;
        const question = QUESTIONS[(day.ago + i) % QUESTIONS.length]!;
        const tools = day.tools[i];
        const script = day.failing.includes(i)
          ? "FAIL500"
          : tools
            ? `STEPS: ${tools.join(" ; ")}`
            : `SAY: Here is what I found for “${threadTitle(deps.threadIds.indexOf(threadId))}”.`;
        await (i % 2 === 0 ? deps.owner : deps.member).chat.send({
          threadId,
          text: `@autopilot ${question} ${script}`,
        });
      }
      for (let i = 0; i < day.tasks; i++) {
        const threadId = threads[next++ % threads.length]!;
        await deps.owner.request("tasks.start", {
          goal: `Write the daily digest of “${threadTitle(deps.threadIds.indexOf(threadId))}”. STEPS: threads_list {} ; memory_list {}`,
          threadId,
        });
      }
      const runs = day.replies + day.tasks;
      let last: RunsStatsResult | undefined;
      await until(
        async () => {
          last = await deps.owner.runs.stats({ days: 1, timeZone: READER_ZONE, limit: 200 });
          // The window reaches from the day's start on: today's runs, "later" on this clock, are in it too.
          const ofDay = last.runs.filter((r) => dayIn(READER_ZONE, r.startedAt) === date);
          return last.days[0]?.day === date && ofDay.length === runs && runsEnded(ofDay);
        },
        `the ${runs} runs of ${date} (${day.ago} days ago) to end`,
        90_000,
      ).catch((error: Error) => {
        const seen = last?.runs.map(
          (r) => `${r.kind} ${r.outcome} ${new Date(r.startedAt).toISOString()} trace ${r.traceId}`,
        );
        throw new Error(`${error.message}: the room counts ${last?.days[0]?.day}: ${JSON.stringify(seen)}`);
      });
      made.set(date, runs);
    }
  } finally {
    await moveServerClock(deps.url, 0);
  }
  return made;
}
