// The Runs view (decision 83) in Chromium, a part of e2e-tasks-browser.test.ts (its server, its
// scripted model and its busy workspace: 25 threads and two dozen tasks already run). First the
// week before today: the test moves the server's clock (DEV_TEST_CLOCK, decision 85) to an hour of
// each of the last six days in the reader's zone and the owner and a member ask in the
// workspace's threads there (some failing at the model, some calling tools) and the owner runs
// tasks; one day stays quiet. Then, today, the owner asks thirty short questions in threads of
// her own, reads every run per day, per model and per tool exactly as `runs.stats` counts them,
// filters to the member's runs, opens a run of an earlier day by keyboard to its steps and trace
// id (the spans go to a stand-in collector on loopback), exports the CSV, and sees a new run
// arrive without a reload; desktop light and dark, and a phone. A member has no Runs tab.
import { readFileSync } from "node:fs";
import type { Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunsStatsResult } from "../../shared/protocol/runs";
import type { RunLogEntry } from "../../shared/protocol/tasks";
import type { AutopilotClient } from "../src/client";
import type { OpenApp } from "./browser-helpers";
import { until } from "./e2e-helpers";
import { dayIn, makeWeekBefore, READER_ZONE, runsEnded } from "./runs-week";
import { type StandinServer, serveStandin } from "./standin-server";
import type { SeededWorkspace } from "./workspace-seed";

const PHONE = { width: 390, height: 844 };
const REPLIES = 30;
const FAILING = new Set([7, 23]);

/**
 * A stand-in OTLP collector (an external service) for the server's vars, started before the
 * server in a beforeAll: it takes OTLP/HTTP JSON batches and counts their spans.
 */
export function withOtlpCollector(): { vars: () => Record<string, string>; spans: () => number } {
  let collector: StandinServer | undefined;
  let spans = 0;
  beforeAll(async () => {
    collector = await serveStandin((req, body, reply) => {
      if (req.method !== "POST" || !req.url?.endsWith("/v1/traces")) return reply(404, { error: "not found" });
      try {
        const batch = JSON.parse(body) as { resourceSpans: { scopeSpans: { spans: unknown[] }[] }[] };
        for (const r of batch.resourceSpans) for (const s of r.scopeSpans) spans += s.spans.length;
      } catch (error) {
        return reply(400, { error: String(error) });
      }
      reply(200, { partialSuccess: {} });
    });
  });
  afterAll(() => collector?.stop());
  return {
    vars: () => ({
      OTEL_EXPORTER_OTLP_ENDPOINT: collector!.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
      OTEL_BSP_SCHEDULE_DELAY: "100",
    }),
    spans: () => spans,
  };
}

const totalsText = (stats: RunsStatsResult) =>
  new RegExp(`^${stats.totals.runs} runs, ${stats.totals.errors} failed, p50 `);

const num = (n: number) => n.toLocaleString("en-US");

/** What the view's tables show, row by row (latencies aside), and each day's bar: its ok and failed parts' widths, in %. */
async function shownTables(view: Locator) {
  const rows = (caption: string) =>
    view
      .locator("table", { has: view.page().locator("caption", { hasText: caption }) })
      .locator("tbody tr")
      .evaluateAll((trs) =>
        trs.map((tr) => [...(tr as HTMLTableRowElement).cells].map((cell) => cell.textContent?.trim() ?? "")),
      );
  const bars = await view
    .locator(".runs-days tbody tr")
    .evaluateAll((trs) =>
      trs.map((tr) => [
        (tr as HTMLElement).dataset.day,
        Number.parseFloat((tr.querySelector(".runs-bar-ok") as HTMLElement).style.width),
        Number.parseFloat((tr.querySelector(".runs-bar-bad") as HTMLElement).style.width),
      ]),
    );
  // Day rows: the day's name, runs (beside its bar), failed, p50, p95, credits; a model's: name,
  // calls, failed, p50, p95, tokens, credits; a tool's: name, calls, runs, failed, p50, p95.
  return {
    days: (await rows("Per day")).map((c) => [c[1], c[2], c[5]]),
    bars,
    models: (await rows("Per model")).map((c) => [c[0], c[1], c[2], c[5], c[6]]),
    tools: (await rows("Per tool")).map((c) => [c[0], c[1], c[2], c[3]]),
  };
}

/** The same, as the view must show `stats` (numbers in the browser's en-US). */
function expectedTables(stats: RunsStatsResult) {
  const most = Math.max(1, ...stats.days.map((d) => d.runs));
  return {
    days: stats.days.map((d) => [String(d.runs), String(d.errors), num(d.credits)]),
    bars: stats.days.map((d) => [d.day, ((d.runs - d.errors) / most) * 100, (d.errors / most) * 100]),
    models: stats.models.map((m) => [
      m.model,
      num(m.calls),
      String(m.errors),
      num(m.inputTokens + m.outputTokens),
      num(m.credits),
    ]),
    tools: stats.tools.map((t) => [t.tool, num(t.calls), num(t.runs), String(t.errors)]),
  };
}

/**
 * The view shows exactly what `runs.stats` answers (`read`): the totals, every day's runs,
 * failures, credits and bar, every model's and tool's counts. Both are read until they agree:
 * the view reads again at most every two seconds, and a run's charge can land after the event
 * that made it read. Returns the answer the view showed.
 */
async function expectViewShows(view: Locator, read: () => Promise<RunsStatsResult>): Promise<RunsStatsResult> {
  const status = view.getByRole("status");
  const compare = async () => {
    const stats = await read();
    const [shown, want] = [await shownTables(view), expectedTables(stats)];
    // A bar's width as the browser serialises it (to a few digits) is the one wanted when within 0.01 %.
    shown.bars = shown.bars.map((bar, i) => {
      const wanted = want.bars[i];
      const near = (k: 1 | 2) => Math.abs((bar[k] as number) - (wanted?.[k] as number)) < 0.01;
      return wanted && bar[0] === wanted[0] && near(1) && near(2) ? wanted : bar;
    });
    const totals = (await status.textContent({ timeout: 20_000 })) ?? "";
    return { stats, shown, want, totals };
  };
  let last: Awaited<ReturnType<typeof compare>> | undefined;
  const agreed = await until(
    async () => {
      last = await compare();
      const { stats, shown, want, totals } = last;
      return (
        JSON.stringify(shown) === JSON.stringify(want) &&
        totalsText(stats).test(totals) &&
        totals.includes(`${num(stats.totals.credits)} credit`) &&
        last
      );
    },
    "the view to show what runs.stats answers",
    30_000,
  ).catch(() => null);
  // On a disagreement, the difference.
  if (!agreed) {
    expect(last?.shown).toEqual(last?.want);
    expect(last?.totals).toMatch(totalsText(last!.stats));
  }
  return (agreed ?? last)!.stats;
}

export function runsViewSteps(deps: {
  openApp: OpenApp;
  serverUrl: () => string;
  seeded: () => SeededWorkspace;
  archivedThread: () => string;
  connect: (cookie: string, device: string) => AutopilotClient;
  shot: (page: Page, name: string) => Promise<void>;
  /** Spans the stand-in collector took. */
  spans: () => number;
}) {
  /** The browser reads in the reader's zone, in en-US. */
  const reader = { timezoneId: READER_ZONE, locale: "en-US" } as const;
  const weekly = (client: AutopilotClient, filters: { triggeredBy?: string } = {}) =>
    client.runs.stats({ limit: 200, timeZone: READER_ZONE, ...filters });
  let made: Map<string, number>;

  describe("the Runs view at the size of a busy workspace", () => {
    it("the week before today: on six of its days people asked and tasks ran (the server's clock moved to each)", async () => {
      const seeded = deps.seeded();
      const owner = deps.connect(seeded.owner.cookie, "alice-week");
      const member = deps.connect(seeded.second.cookie, "bob-week");
      await Promise.all([owner.ready(), member.ready()]);
      made = await makeWeekBefore({
        url: deps.serverUrl(),
        owner,
        member,
        threadIds: seeded.threadIds,
        archivedThread: deps.archivedThread(),
      });
      // Back to today: each past day holds the runs made on it, counted in the reader's zone.
      const stats = await weekly(owner);
      for (const [day, runs] of made) expect(stats.days.find((d) => d.day === day)?.runs).toBe(runs);
      expect(stats.days.at(-1)?.day).toBe(dayIn(READER_ZONE, Date.now()));
    }, 420_000);

    it("the owner reads a week of runs per day, model and tool, filters them, opens an earlier day's run to its steps and trace, exports the CSV; light, dark, phone", async () => {
      const seeded = deps.seeded();
      const alice = deps.connect(seeded.owner.cookie, "alice-runs");
      await alice.ready();
      const owner = alice.hello!.principal.id;
      const today = dayIn(READER_ZONE, Date.now());
      const repliesToday = (s: RunsStatsResult) =>
        s.runs.filter((r) => r.kind === "reply" && dayIn(READER_ZONE, r.startedAt) === today);
      const before = repliesToday(await weekly(alice, { triggeredBy: owner })).length;
      // A question each in threads of her own: one reply's run each, two failing at the model,
      // three calling a tool.
      for (let i = 0; i < REPLIES; i++) {
        const { thread } = await alice.threads.create({ title: `Check-in ${i + 1}` });
        await alice.chat.send({
          threadId: thread.id,
          text: FAILING.has(i)
            ? "FAIL500"
            : i % 10 === 4
              ? `STEPS: chat_send {"threadId":"${thread.id}","text":"Logged check-in ${i + 1}."}`
              : `SAY: Noted, check-in ${i + 1}.`,
        });
      }
      let last: RunsStatsResult | undefined;
      let stats = await until(
        async () => {
          last = await weekly(alice, { triggeredBy: owner });
          return repliesToday(last).length >= before + REPLIES && runsEnded(last.runs) && last;
        },
        "the replies to end with their traces",
        180_000,
      ).catch((error: Error) => {
        const open = last?.runs.filter((r) => r.outcome === "running" || r.traceId === null) ?? [];
        throw new Error(`${error.message}: ${last?.runs.length} runs, not ended or traced: ${JSON.stringify(open)}`);
      });
      expect(stats.runs.every((r) => r.triggeredBy?.id === owner)).toBe(true);
      // Everyone's runs: the owner's and the member's replies, the tasks, the release bot's tasks.
      stats = await weekly(alice);
      expect(stats.days).toHaveLength(7);
      // A real week: runs on six of its seven days, days of different sizes, failures on several.
      expect(stats.days.filter((d) => d.runs > 0).length).toBeGreaterThanOrEqual(6);
      expect(new Set(stats.days.map((d) => d.runs)).size).toBeGreaterThanOrEqual(4);
      expect(stats.days.filter((d) => d.errors > 0).length).toBeGreaterThanOrEqual(4);
      expect(stats.totals.runs).toBe(stats.days.reduce((sum, d) => sum + d.runs, 0));
      expect(stats.tools.length).toBeGreaterThanOrEqual(5);
      expect(deps.spans()).toBeGreaterThan(0);

      const page = await deps.openApp(seeded.owner.cookie, { colorScheme: "light", ...reader });
      await page.getByRole("tab", { name: "Runs" }).click();
      const view = page.locator(".runs-view");
      stats = await expectViewShows(view, () => weekly(alice));
      await expect(view.locator(".runs-days tbody tr").count()).resolves.toBe(7);
      await expect(view.getByText(`Days in ${READER_ZONE}.`).count()).resolves.toBe(1);
      // The list holds the newest page; a failed run opens to its steps and its trace id.
      await expect(view.locator(".runs-item").count()).resolves.toBe(Math.min(50, stats.runs.length));
      await expect(view.getByRole("button", { name: "Show older runs" }).count()).resolves.toBe(
        stats.runs.length > 50 ? 1 : 0,
      );
      const failed = stats.runs.find((r) => r.outcome === "failed")!;
      const item = view.locator(`.runs-item[data-run="${failed.id}"]`);
      await item.getByRole("button").focus();
      await page.keyboard.press("Enter");
      await expect(item.getByLabel("Trace id").inputValue()).resolves.toBe(failed.traceId);
      await expect(item.locator(".run-details > p").first().textContent()).resolves.toMatch(/: failed after /);
      await item.locator(".run-detail-steps > li").first().waitFor();
      await page.keyboard.press("Enter");
      await item.locator(".run-details").waitFor({ state: "detached" });
      await view.locator(".runs-days").scrollIntoViewIfNeeded();
      await deps.shot(page, "09-runs-desktop-light");

      // The CSV: a row per day, model and tool, then one per run shown.
      const [download] = await Promise.all([
        page.waitForEvent("download"),
        view.getByRole("button", { name: "Export CSV" }).click(),
      ]);
      const csv = readFileSync((await download.path())!, "utf8")
        .trim()
        .split("\r\n");
      expect(csv[0]).toBe("section,name,runs,calls,errors,p50 ms,p95 ms,credits,input tokens,output tokens");
      expect(csv.filter((row) => row.startsWith("day,"))).toHaveLength(7);
      for (const d of stats.days) expect(csv.some((row) => row.startsWith(`day,${d.day},${d.runs},`))).toBe(true);
      expect(csv.filter((row) => row.startsWith(`${failed.id},reply,`))).toHaveLength(1);

      // Filters: the member's runs only (all from the week before), every figure for them alone.
      const bob = stats.triggerers.find((a) => a.name === "BobTasks")!;
      await view.getByLabel("Started by").selectOption({ label: bob.name });
      const bobs = await expectViewShows(view, () => weekly(alice, { triggeredBy: bob.id }));
      expect(bobs.totals.runs).toBeLessThan(stats.totals.runs);
      expect(bobs.days.filter((d) => d.runs > 0).length).toBeGreaterThanOrEqual(4);
      await expect(view.locator(".runs-item").count()).resolves.toBe(bobs.runs.length);
      // A run of his from the earliest day with runs, which called tools: its steps, its trace id.
      const earliest = bobs.days.find((d) => d.runs > 0)!.day;
      expect(earliest < today).toBe(true);
      const earlier = bobs.runs.filter((r) => r.outcome === "done" && dayIn(READER_ZONE, r.startedAt) === earliest);
      const withTools: { run: (typeof earlier)[number]; entries: RunLogEntry[] }[] = [];
      for (const run of earlier) {
        const { entries } = await alice.request("runlog.list", { runId: run.id, after: 0, limit: 100 });
        if (entries.some((e) => e.kind === "tool-call")) withTools.push({ run, entries });
      }
      const { run: old, entries: oldEntries } = withTools[0]!;
      const oldItem = view.locator(`.runs-item[data-run="${old.id}"]`);
      await oldItem.scrollIntoViewIfNeeded();
      // Its time in the reader's zone (any space the two ICUs put before "PM" read as one).
      const spaced = (text: string | null) => (text ?? "").replace(/\s+/g, " ");
      expect(spaced(await oldItem.locator(".runs-item-line").textContent())).toContain(
        spaced(
          new Date(old.startedAt).toLocaleString("en-US", {
            dateStyle: "short",
            timeStyle: "short",
            timeZone: READER_ZONE,
          }),
        ),
      );
      await oldItem.getByRole("button").focus();
      await page.keyboard.press("Enter");
      await expect(oldItem.getByLabel("Trace id").inputValue()).resolves.toBe(old.traceId);
      await expect(oldItem.locator(".run-details > p").first().textContent()).resolves.toMatch(
        /^A reply in .+ started by BobTasks at .+: done after /,
      );
      // Its steps as its log has them, its tool calls among them.
      await expect
        .poll(() => oldItem.locator(".run-detail-entry").allTextContents())
        .toEqual(oldEntries.map((e) => e.text));
      await oldItem.locator(".run-detail-steps").scrollIntoViewIfNeeded();
      await deps.shot(page, "10-runs-earlier-day-opened");
      await view.getByLabel("Started by").selectOption({ label: "anyone" });
      await expectViewShows(view, () => weekly(alice));

      // Live: one more run shows without a reload.
      const { thread: more } = await alice.threads.create({ title: "Check-in, one more" });
      await alice.chat.send({ threadId: more.id, text: "SAY: One more." });
      await until(
        async () => {
          const s = await weekly(alice);
          return s.totals.runs === stats.totals.runs + 1 && runsEnded(s.runs);
        },
        "the new run to end",
        60_000,
      );
      const after = await expectViewShows(view, () => weekly(alice));
      expect(after.totals.runs).toBe(stats.totals.runs + 1);

      // Dark, and a phone: the same figures, nothing wider than the screen.
      const dark = await deps.openApp(seeded.owner.cookie, { colorScheme: "dark", ...reader });
      await dark.getByRole("tab", { name: "Runs" }).click();
      await expectViewShows(dark.locator(".runs-view"), () => weekly(alice));
      // The panel given the main area: the week's bars at their width.
      await dark.getByRole("button", { name: "Wide panel" }).click();
      await expectViewShows(dark.locator(".runs-view"), () => weekly(alice));
      await deps.shot(dark, "11-runs-desktop-dark-wide");
      const phone = await deps.openApp(seeded.owner.cookie, { viewport: PHONE, colorScheme: "light", ...reader });
      await phone
        .getByRole("navigation", { name: "Sections" })
        .getByRole("button", { name: /^Approvals/ })
        .tap();
      await phone.getByRole("tab", { name: "Runs" }).tap();
      const small = phone.locator(".runs-view");
      await expectViewShows(small, () => weekly(alice));
      const box = (await small.boundingBox())!;
      expect(box.x + box.width).toBeLessThanOrEqual(PHONE.width);
      await deps.shot(phone, "12-runs-phone");
      await small.locator(".runs-days").scrollIntoViewIfNeeded();
      await deps.shot(phone, "13-runs-phone-days");

      // A member has no Runs tab (the room refuses them the figures: run-stats.agent.test.ts).
      const member = await deps.openApp(seeded.second.cookie);
      await member.getByRole("tab", { name: "Billing" }).waitFor();
      await expect(member.getByRole("tab", { name: "Runs" }).count()).resolves.toBe(0);
      for (const p of [page, dark, phone, member]) await p.close();
    }, 420_000);
  });
}
