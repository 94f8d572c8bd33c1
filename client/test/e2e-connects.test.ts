// Bounded connects end to end (issue 11), against the real server as `npm start` runs it:
// a client that resumes from 0 after megabytes of events, or replays a gap in pages, ends
// with the same state as one that watched everything live (the reducer is the client
// library's own), and every frame it got on the way was bounded.
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { launchChromium } from "../../party/dev/chromium.mjs";
import type { EventFrame } from "../../shared/protocol/frames";
import { PROTOCOL_VERSION } from "../../shared/protocol/version";
import type { AutopilotClient } from "../src/client";
import { decodeServerFrame, typeEvent } from "../src/frames";
import { applyEvent, applyHello, type WorkspaceState } from "../src/state";
import { openLive, screenshots, signedInPage } from "./browser-helpers";
import { httpJson, ownWorkspace, personClient, signUp, until, withSharedServer } from "./e2e-helpers";

const server = withSharedServer();
let workspace: string;
let cookie: string;
const clients: AutopilotClient[] = [];

const ticket = async () =>
  (
    await httpJson<{ ticket: string }>(server.url, "/api/connect-ticket", {
      method: "POST",
      cookie,
      body: JSON.stringify({ workspaceId: workspace }),
    })
  ).body.ticket;

function person(device: string): AutopilotClient {
  const client = personClient(server.url, cookie, workspace, device);
  clients.push(client);
  return client;
}

/**
 * A raw socket that resumes from `lastSeq` and collects every frame; `caughtUp()` sends a
 * request and returns the frames up to its answer. The room holds a replaying socket's
 * responses and live events until the replay has been sent in full (kernel/fanout.ts ReplayPump), then
 * sends them in order: the answer comes after the last replayed event and after every event
 * committed before the request.
 */
async function rawResume(lastSeq: number, epoch: string): Promise<{ caughtUp(): Promise<string[]> }> {
  const url = `${server.url.replace("http", "ws")}/agents/autopilot/${workspace}?protocol=${PROTOCOL_VERSION}&device=raw&lastSeq=${lastSeq}&epoch=${epoch}&ticket=${await ticket()}`;
  const ws = new WebSocket(url);
  const texts: string[] = [];
  let answered = false;
  ws.addEventListener("message", (e) => {
    texts.push(String(e.data));
    const frame = JSON.parse(String(e.data)) as { type: string; id?: string };
    if (frame.type === "res" && frame.id === "caught-up") answered = true;
  });
  await new Promise((resolve, reject) => {
    ws.addEventListener("open", resolve);
    ws.addEventListener("error", reject);
  });
  return {
    async caughtUp() {
      ws.send(JSON.stringify({ type: "req", id: "caught-up", method: "threads.list", params: {} }));
      await until(() => answered, "the answer after the replay", 60_000);
      ws.close();
      return texts;
    },
  };
}

/** Applies frames the way the client library does: hello, then durable events strictly in order. */
function reduce(start: WorkspaceState, texts: string[]): WorkspaceState {
  let state = start;
  for (const text of texts) {
    const decoded = decodeServerFrame(text);
    if (!decoded.ok || decoded.value.type !== "event") continue;
    const frame = decoded.value as EventFrame;
    if (frame.event === "hello") {
      const { state: next, outcome } = applyHello(state, frame.payload as never);
      expect(outcome).not.toBe("resync");
      state = next;
      continue;
    }
    const outcome = applyEvent(state, typeEvent(frame).event);
    expect(outcome.kind, `event ${frame.event} ${frame.seq}`).not.toBe("gap");
    expect(outcome.kind, `event ${frame.event} ${frame.seq} twice`).not.toBe("duplicate");
    if (outcome.kind === "applied") state = outcome.state;
  }
  return state;
}

/** Where two states' domain parts differ (empty: nowhere): `lastSeq`, or `kind/id` and the first differing field. */
function differences(a: WorkspaceState, b: WorkspaceState): string[] {
  const out: string[] = a.lastSeq === b.lastSeq ? [] : [`lastSeq ${a.lastSeq} vs ${b.lastSeq}`];
  for (const kind of ["threads", "approvals", "jobs", "instances"] as const) {
    const x = a[kind] as ReadonlyMap<string, Record<string, unknown>>;
    const y = b[kind] as ReadonlyMap<string, Record<string, unknown>>;
    for (const id of new Set([...x.keys(), ...y.keys()])) {
      const left = x.get(id);
      const right = y.get(id);
      if (!left || !right) {
        out.push(`${kind}/${id}: only in ${left ? "the first" : "the second"}`);
        continue;
      }
      for (const field of new Set([...Object.keys(left), ...Object.keys(right)])) {
        const l = JSON.stringify(left[field]);
        const r = JSON.stringify(right[field]);
        if (l !== r) out.push(`${kind}/${id}.${field}: ${String(l).slice(0, 80)} vs ${String(r).slice(0, 80)}`);
      }
    }
  }
  return out.slice(0, 20);
}

beforeAll(async () => {
  ({ cookie } = await signUp(server.url, "Alice"));
  workspace = await ownWorkspace(server.url, cookie);
});

afterAll(() => {
  for (const c of clients) c.close();
});

describe("bounded connects over the real server", () => {
  it("resume from 0 after megabytes resets to a bounded hello, a gap within budget replays in pages, and both end where a live client is", async () => {
    const live = person("live");
    await live.ready();
    const epoch = live.epoch!;
    const { thread } = await live.threads.create({ title: "load" });
    // Megabytes of log: 150 pending approvals of 8 KB and 250 messages of 4 KB.
    for (let i = 0; i < 150; i++) await live.approvals.request({ title: `ask ${i}`, details: "d".repeat(8000) });
    for (let i = 0; i < 10; i++) {
      const { job } = await live.jobs.start({ title: `job ${i}` });
      await live.jobs.update({ jobId: job.id, progress: 10 * i });
    }
    for (let i = 0; i < 250; i++) await live.chat.send({ threadId: thread.id, text: `${i} ${"m".repeat(4000)}` });
    // 421 writes, and for each approval the room's record of whom it was sent to (its reach).
    const reached = () => [...live.state.approvals.values()].every((a) => a.reach);
    await until(() => (live.lastSeq ?? 0) >= 421 && reached(), "the live client to see every event", 60_000);
    const settled = live.lastSeq!;
    expect(settled).toBe(421 + 150);

    // From 0: a reset with a bounded hello, not the 2+ MB log.
    const fromZero = await (await rawResume(0, epoch)).caughtUp();
    const sizes = fromZero.map((t) => new TextEncoder().encode(t).byteLength);
    expect(Math.max(...sizes)).toBeLessThan(320 * 1024);
    expect(sizes.reduce((a, b) => a + b, 0)).toBeLessThan(400 * 1024);
    const reset = reduce({ ...live.state, epoch, lastSeq: 0 }, fromZero);
    expect(reset.lastSeq).toBe(settled);
    expect(reset.more.approvals.left).toBeGreaterThan(0);

    // A fresh client loads the rest lazily and ends where the live one is.
    const fresh = person("fresh");
    await fresh.ready();
    while (fresh.state.more.approvals.left > 0) await fresh.loadMore("approvals");
    expect(differences(fresh.state, live.state)).toEqual([]);

    // A gap within the budget: small events, replayed in pages onto the state they followed.
    const before = live.state;
    for (let i = 0; i < 300; i++) await live.chat.send({ threadId: thread.id, text: `small ${i}` });
    const resolved = [...live.state.approvals.values()].slice(0, 5);
    for (const a of resolved) await live.approvals.resolve({ approvalId: a.id, decision: "approve", confirmOwn: true });
    // And each decision's outcome in words on its reach.
    const decided = () => resolved.every((a) => live.state.approvals.get(a.id)?.reach?.outcome);
    await until(
      () => (live.lastSeq ?? 0) >= settled + 305 && decided(),
      "the live client to see the small events",
      30_000,
    );
    const small = live.lastSeq!;
    const replay = await rawResume(before.lastSeq!, epoch);
    // Live writes while the replay streams: they must come after it, in order, once.
    for (let i = 0; i < 5; i++) await live.chat.send({ threadId: thread.id, text: `during ${i}` });
    const texts = await replay.caughtUp();
    const replayed = reduce(before, texts);
    await until(() => live.lastSeq === small + 5, "the live writes", 30_000);
    expect(differences(replayed, live.state)).toEqual([]);

    // The app: the queue shows what the hello left out and loads it as it scrolls into view.
    const shot = screenshots("connects");
    const browser = await launchChromium();
    try {
      const { page } = await signedInPage(browser, server.url, cookie);
      await openLive(page, `${server.url}/?w=${workspace}`);
      await page.getByRole("tab", { name: /Approvals/ }).click();
      const more = page.getByTestId("load-more-approvals");
      await more.waitFor({ timeout: 10_000 });
      expect(await more.textContent()).toMatch(/^\d+ more pending$/);
      // The badge counts every pending approval, those not loaded yet included.
      expect(await page.getByTestId("approval-badge").textContent()).toBe("145");
      await shot(page, "queue-more");
      // Scrolling to the end loads the next pages until nothing is left.
      await vi.waitFor(
        async () => {
          if ((await more.count()) > 0) await more.scrollIntoViewIfNeeded().catch(() => {});
          expect(await more.count()).toBe(0);
        },
        { timeout: 20_000, interval: 300 },
      );
      expect(await page.locator(".queue-item.status-pending").count()).toBe(145);
      await shot(page, "queue-loaded");
    } finally {
      await browser.close();
    }
  }, 300_000);
});
