// The Runs view (decision 83) in Chromium, a part of e2e-tasks-browser.test.ts (its server, its
// scripted model and its busy workspace: 25 threads and two dozen tasks already run). The owner
// asks thirty short questions in threads of her own (two fail at the model, three call a tool),
// then reads every run per day, per model and per tool as `runs.stats` counts them, opens a
// failed run by keyboard to its steps and its trace id (the spans go to a stand-in collector on
// loopback), exports the CSV, and sees a new run arrive without a reload; desktop light and
// dark, and a phone. A member has no Runs tab. The runs are all of today: the room has no
// clock to move, so the other six days of the week are the empty days the view lists (the room
// test covers days in another zone).
import { readFileSync } from "node:fs";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunsStatsResult } from "../../shared/protocol/runs";
import type { AutopilotClient } from "../src/client";
import type { OpenApp } from "./browser-helpers";
import { until } from "./e2e-helpers";
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
    vars: () => ({ OTEL_EXPORTER_OTLP_ENDPOINT: collector!.url, OTEL_EXPORTER_OTLP_PROTOCOL: "http/json" }),
    spans: () => spans,
  };
}

const ended = (stats: RunsStatsResult) =>
  stats.runs.every((r) => r.outcome !== "running" && (r.outcome === "waiting" || r.traceId !== null));

const totalsText = (stats: RunsStatsResult) =>
  new RegExp(`^${stats.totals.runs} runs, ${stats.totals.errors} failed, p50 `);

export function runsViewSteps(deps: {
  openApp: OpenApp;
  seeded: () => SeededWorkspace;
  connect: (cookie: string, device: string) => AutopilotClient;
  shot: (page: Page, name: string) => Promise<void>;
  /** Spans the stand-in collector took. */
  spans: () => number;
}) {
  describe("the Runs view at the size of a busy workspace", () => {
    it("the owner reads a week of runs per day, model and tool, opens one to its steps and trace, exports the CSV; light, dark, phone", async () => {
      const seeded = deps.seeded();
      const alice = deps.connect(seeded.owner.cookie, "alice-runs");
      await alice.ready();
      const owner = alice.hello!.principal.id;
      const repliesOf = (s: RunsStatsResult) => s.runs.filter((r) => r.kind === "reply");
      const before = repliesOf(await alice.runs.stats({ limit: 200, triggeredBy: owner })).length;
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
          last = await alice.runs.stats({ limit: 200, triggeredBy: owner });
          return repliesOf(last).length >= before + REPLIES && ended(last) && last;
        },
        "the replies to end with their traces",
        180_000,
      ).catch((error: Error) => {
        const open = last?.runs.filter((r) => r.outcome === "running" || r.traceId === null) ?? [];
        throw new Error(`${error.message}: ${last?.runs.length} runs, not ended or traced: ${JSON.stringify(open)}`);
      });
      expect(stats.runs.every((r) => r.triggeredBy?.id === owner)).toBe(true);
      // Everyone's runs: the owner's replies and the release bot's tasks.
      stats = await alice.runs.stats({ limit: 200 });
      expect(stats.totals.errors).toBeGreaterThanOrEqual(FAILING.size);
      expect(stats.days).toHaveLength(7);
      expect(deps.spans()).toBeGreaterThan(0);

      const page = await deps.openApp(seeded.owner.cookie, { colorScheme: "light" });
      await page.getByRole("tab", { name: "Runs" }).click();
      const view = page.locator(".runs-view");
      await view
        .getByRole("status")
        .filter({ hasText: totalsText(stats) })
        .waitFor({ timeout: 20_000 });
      await expect(view.locator(".runs-days tbody tr").count()).resolves.toBe(7);
      await view
        .locator("table", { hasText: "Per model" })
        .getByRole("rowheader", { name: "scripted-model" })
        .waitFor();
      await view.locator("table", { hasText: "Per tool" }).getByRole("rowheader", { name: "chat_send" }).waitFor();
      // The list holds the newest page; a failed run opens to its steps and its trace id.
      await expect(view.locator(".runs-item").count()).resolves.toBe(Math.min(50, stats.runs.length));
      const failed = stats.runs.find((r) => r.outcome === "failed")!;
      const item = view.locator(`.runs-item[data-run="${failed.id}"]`);
      await item.getByRole("button").focus();
      await page.keyboard.press("Enter");
      await expect(item.getByLabel("Trace id").inputValue()).resolves.toBe(failed.traceId);
      await expect(item.locator(".run-details > p").first().textContent()).resolves.toMatch(/: failed after /);
      await item.locator(".run-detail-steps > li").first().waitFor();
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
      expect(csv.filter((row) => row.startsWith(`${failed.id},reply,`))).toHaveLength(1);

      // Live: one more run shows without a reload.
      const { thread: more } = await alice.threads.create({ title: "Check-in, one more" });
      await alice.chat.send({ threadId: more.id, text: "SAY: One more." });
      const after = await until(
        async () => {
          const s = await alice.runs.stats({ limit: 200 });
          return s.totals.runs === stats.totals.runs + 1 && ended(s) && s;
        },
        "the new run to end",
        60_000,
      );
      await view
        .getByRole("status")
        .filter({ hasText: totalsText(after) })
        .waitFor({ timeout: 20_000 });

      // Dark, and a phone: the same figures, nothing wider than the screen.
      const dark = await deps.openApp(seeded.owner.cookie, { colorScheme: "dark" });
      await dark.getByRole("tab", { name: "Runs" }).click();
      await dark
        .locator(".runs-view")
        .getByRole("status")
        .filter({ hasText: totalsText(after) })
        .waitFor();
      await deps.shot(dark, "10-runs-desktop-dark");
      const phone = await deps.openApp(seeded.owner.cookie, { viewport: PHONE, colorScheme: "light" });
      await phone
        .getByRole("navigation", { name: "Sections" })
        .getByRole("button", { name: /^Approvals/ })
        .tap();
      await phone.getByRole("tab", { name: "Runs" }).tap();
      const small = phone.locator(".runs-view");
      await small
        .getByRole("status")
        .filter({ hasText: totalsText(after) })
        .waitFor();
      const box = (await small.boundingBox())!;
      expect(box.x + box.width).toBeLessThanOrEqual(PHONE.width);
      await deps.shot(phone, "11-runs-phone");
      await small.locator(".runs-days").scrollIntoViewIfNeeded();
      await deps.shot(phone, "12-runs-phone-days");

      // A member has no Runs tab (the room refuses them the figures: run-stats.agent.test.ts).
      const member = await deps.openApp(seeded.second.cookie);
      await member.getByRole("tab", { name: "Billing" }).waitFor();
      await expect(member.getByRole("tab", { name: "Runs" }).count()).resolves.toBe(0);
      for (const p of [page, dark, phone, member]) await p.close();
    }, 420_000);
  });
}
