// The canvas's layout end to end: the real server (wrangler dev, as `npm start` runs it),
// Alice in Chromium at 1440×900, an agent (an API key, the client library) creating threads,
// and Alice's notes and groups written through the Hatchery document like any client.
// Measured in the page, as a person sees it: after Tidy up no node overlaps another, a
// group holds exactly its members and no drawn edge crosses a node that is not one of its
// ends; at Fit view every title renders at 10 px or more and no overlay covers a node; the
// fit follows an agent's new thread; once the view moved, a new thread is announced
// instead. Screenshots go to test-artifacts/ (git-ignored).
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { YSyncClient } from "../../party/dev/ysync.mjs";
import { nodesMap, readGraph, writeNode } from "../../shared/hatchery/graph";
import { AutopilotClient } from "../src/client";
import { openPage, screenshots, signUpInUi, withBrowser } from "./browser-helpers";
import { withSharedServer } from "./e2e-helpers";

const stamp = Date.now();

const server = withSharedServer();
const browser = withBrowser();
let page: Page;
let agent: AutopilotClient;
let canvas: YSyncClient;
let threads: string[] = [];

const screenshot = screenshots("canvas-layout");
const shot = (name: string) => screenshot(page, name);
const key = (label: string) => `${label}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
const TITLES = [
  "Index the support inbox",
  "Cancel Requested refunds for March",
  "Q3 roadmap",
  "Release 1.4",
  "Flaky login test",
  "Onboarding copy review",
  "Pricing page A/B",
  "Migrate billing to the new provider",
];

type Rect = { x: number; y: number; w: number; h: number };

/** What the page shows, in screen pixels: nodes, groups, edge paths sampled along their length, overlays. */
function measure(page: Page) {
  return page.evaluate(() => {
    const rect = (el: Element) => {
      const r = el.getBoundingClientRect();
      return { x: r.left, y: r.top, w: r.width, h: r.height };
    };
    const zoom = Number(
      /scale\(([\d.]+)\)/.exec((document.querySelector(".react-flow__viewport") as HTMLElement).style.transform)?.[1] ??
        1,
    );
    const nodes = [...document.querySelectorAll(".react-flow__node")].map((el) => ({
      id: el.getAttribute("data-id")!,
      group: el.classList.contains("react-flow__node-group"),
      rect: rect(el),
    }));
    const titles = [
      ...document.querySelectorAll(
        ".react-flow__node .far-title, .react-flow__node .node-title, .react-flow__node .group-label",
      ),
    ].map((el) => ({
      text: el.textContent ?? "",
      px: Number.parseFloat(getComputedStyle(el).fontSize) * zoom,
    }));
    const edges = [...document.querySelectorAll(".react-flow__edge")].map((el) => {
      const path = el.querySelector("path.react-flow__edge-path") as SVGPathElement;
      const length = path.getTotalLength();
      const ctm = path.getScreenCTM()!;
      const points: Array<{ x: number; y: number }> = [];
      for (let d = 0; d <= length; d += 4) {
        const p = path.getPointAtLength(d).matrixTransform(ctm);
        points.push({ x: p.x, y: p.y });
      }
      return { id: el.getAttribute("data-id")!, points };
    });
    const overlays = [".minimap-panel", ".react-flow__controls", ".canvas-toolbar", ".canvas-filters"].flatMap((s) =>
      [...document.querySelectorAll(s)].map((el) => ({ name: s, rect: rect(el) })),
    );
    return { zoom, nodes, titles, edges, overlays, pane: rect(document.querySelector(".react-flow")!) };
  });
}

const inside = (p: { x: number; y: number }, r: Rect, inset = 2) =>
  p.x > r.x + inset && p.x < r.x + r.w - inset && p.y > r.y + inset && p.y < r.y + r.h - inset;
const intersects = (a: Rect, b: Rect) => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;

/** Waits until the nodes stop moving (Tidy up's glide, a fit's animation). */
async function settled(page: Page) {
  let last = "";
  await expect
    .poll(
      async () => {
        const now = await page.evaluate(() =>
          [
            (document.querySelector(".react-flow__viewport") as HTMLElement).style.transform,
            ...[...document.querySelectorAll(".react-flow__node")].map(
              (el) => `${el.getBoundingClientRect().left},${el.getBoundingClientRect().top}`,
            ),
          ].join("|"),
        );
        const same = now === last;
        last = now;
        return same;
      },
      { timeout: 20_000, interval: 400 },
    )
    .toBe(true);
}

beforeAll(async () => {
  page = (await openPage(browser, "alice", { viewport: { width: 1440, height: 900 } })).page;
});

afterAll(() => {
  agent?.close();
  canvas?.close();
});

describe("the canvas lays itself out and stays readable", () => {
  it("a workspace of 30 threads, notes and two groups, laid out by Tidy up: no overlaps, groups hold exactly their members, no edge through a node", async () => {
    await signUpInUi(page, server.url, "Alice", `alice-${stamp}@example.test`);
    const workspace = await page.locator("#workspace-switcher").inputValue();
    const created = await page.context().request.post(`${server.url}/api/workspaces/${workspace}/keys`, {
      data: { name: "agent", scopes: ["read", "write"] },
      headers: { origin: server.url },
    });
    expect(created.status()).toBe(201);
    agent = new AutopilotClient({
      url: server.url,
      workspace,
      apiKey: ((await created.json()) as { key: string }).key,
    });
    await agent.ready();
    threads = [];
    for (let i = 0; i < 30; i++) {
      const { thread } = await agent.request("threads.create", {
        title: `${TITLES[i % TITLES.length]} ${i}`,
        idempotencyKey: key("t"),
      });
      threads.push(`thread:${thread.id}`);
    }
    const cookie = (await page.context().cookies()).map((c) => `${c.name}=${c.value}`).join("; ");
    canvas = new YSyncClient(
      new WebSocket(`${server.url.replace("http", "ws")}/parties/hatchery/${workspace}`, {
        headers: { cookie, origin: server.url },
      }) as unknown as globalThis.WebSocket,
    );
    await canvas.whenSynced();
    await expect
      .poll(() => readGraph(canvas.doc).nodes.filter((n) => n.kind === "thread").length, { timeout: 30_000 })
      .toBe(30);
    // People's things, placed carelessly: notes on top of threads, a group box covering threads that are not in it.
    const at = readGraph(canvas.doc).nodes.find((n) => n.id === threads[0])!;
    canvas.doc.transact(() => {
      for (let i = 0; i < 6; i++)
        writeNode(canvas.doc, {
          id: `note:n${i}`,
          kind: "note",
          ref: null,
          x: at.x + i * 30,
          y: at.y + i * 20,
          w: 200,
          h: 120,
          placed: "pinned",
          parent: null,
          data: { text: `Note ${i}: remember the thing` },
        });
      writeNode(canvas.doc, {
        id: "group:a",
        kind: "group",
        ref: null,
        x: at.x - 50,
        y: at.y - 50,
        w: 900,
        h: 500,
        placed: "pinned",
        parent: null,
        data: { label: "Launch" },
      });
      writeNode(canvas.doc, {
        id: "group:b",
        kind: "group",
        ref: null,
        x: at.x + 400,
        y: at.y + 300,
        w: 600,
        h: 400,
        placed: "pinned",
        parent: null,
        data: { label: "Support" },
      });
      for (const id of threads.slice(0, 3)) nodesMap(canvas.doc).get(id)!.set("parent", "group:a");
      for (const id of threads.slice(3, 5)) nodesMap(canvas.doc).get(id)!.set("parent", "group:b");
      nodesMap(canvas.doc).get("note:n0")!.set("parent", "group:a");
      // Drawn edges between people's notes and threads.
      const edges = canvas.doc.getMap("edges");
      for (let i = 0; i < 6; i++)
        edges.set(`note:n${i}->${threads[i * 4]}`, {
          id: `note:n${i}->${threads[i * 4]}`,
          source: `note:n${i}`,
          target: threads[i * 4]!,
          kind: "person",
        });
    });
    await expect.poll(() => page.locator(".react-flow__node-note").count(), { timeout: 20_000 }).toBeGreaterThan(0);
    await page.getByRole("button", { name: "Fit view", exact: true }).click();
    await settled(page);
    await shot("01-before-tidy");

    await page.getByRole("button", { name: "Tidy up" }).click();
    await expect
      .poll(() => readGraph(canvas.doc).nodes.find((n) => n.id === "group:b")!.w, { timeout: 20_000 })
      .not.toBe(600);
    await settled(page);
    await shot("02-after-tidy");

    // The document: no overlaps, each group's box holds its members and only them.
    const { nodes } = readGraph(canvas.doc);
    const box = (id: string) => nodes.find((n) => n.id === id)!;
    for (const p of nodes) {
      for (const q of nodes) {
        if (p.id >= q.id) continue;
        const member = p.parent === q.id || q.parent === p.id;
        expect(intersects(p, q), `${p.id} and ${q.id}`).toBe(member);
        if (member) {
          const [m, g] = p.parent === q.id ? [p, q] : [q, p];
          expect(
            m.x >= g.x && m.y >= g.y && m.x + m.w <= g.x + g.w && m.y + m.h <= g.y + g.h,
            `${m.id} inside ${g.id}`,
          ).toBe(true);
        }
      }
    }
    expect(box(threads[0]!).parent).toBe("group:a");

    // The page: no drawn edge passes through a node that is not one of its ends.
    const seen = await measure(page);
    expect(seen.edges.length).toBe(6);
    for (const e of seen.edges) {
      const [source, target] = e.id.split("->");
      for (const n of seen.nodes) {
        if (n.group || n.id === source || n.id === target) continue;
        expect(
          e.points.some((p) => inside(p, n.rect)),
          `${e.id} through ${n.id}`,
        ).toBe(false);
      }
    }
  });

  it("at Fit view every title and group label renders at 10 px or more, and no overlay covers a node", async () => {
    await page.getByRole("button", { name: "Fit view", exact: true }).click();
    await settled(page);
    const seen = await measure(page);
    await shot("03-fit-view");
    expect(seen.titles.length).toBeGreaterThan(30);
    for (const t of seen.titles) expect(t.px, `"${t.text}" at ${seen.zoom}`).toBeGreaterThanOrEqual(10);
    for (const o of seen.overlays)
      for (const n of seen.nodes) expect(intersects(o.rect, n.rect), `${o.name} covers ${n.id}`).toBe(false);
  });

  it("the fit follows an agent's new thread; once the person moved the view, a new thread is announced and shown on request", async () => {
    const { thread } = await agent.request("threads.create", {
      title: "Arrived while watching",
      idempotencyKey: key("t"),
    });
    const node = page.locator(`.react-flow__node[data-id="thread:${thread.id}"]`);
    await node.waitFor({ timeout: 20_000 });
    await settled(page);
    const pane = (await measure(page)).pane;
    const r = (await node.boundingBox())!;
    expect(inside({ x: r.x, y: r.y }, pane, -1) && inside({ x: r.x + r.width, y: r.y + r.height }, pane, -1)).toBe(
      true,
    );
    await shot("04-followed");

    // The person pans far away (dragging the empty pane below the content, which a fit
    // keeps clear of the minimap's row): the next thread does not move the view, a chip says so.
    for (let i = 0; i < 3; i++) {
      await page.mouse.move(600, 820);
      await page.mouse.down();
      await page.mouse.move(600, 120, { steps: 5 });
      await page.mouse.up();
    }
    await settled(page);
    const before = (await measure(page)).zoom;
    const { thread: later } = await agent.request("threads.create", {
      title: "Arrived while away",
      idempotencyKey: key("t"),
    });
    const chip = page.getByRole("button", { name: /1 new — show/ });
    await chip.waitFor({ timeout: 20_000 });
    expect((await measure(page)).zoom).toBe(before);
    await chip.click();
    const arrived = page.locator(`.react-flow__node[data-id="thread:${later.id}"]`);
    await arrived.waitFor({ timeout: 10_000 });
    await settled(page);
    const a = (await arrived.boundingBox())!;
    expect(inside({ x: a.x, y: a.y }, pane, -1) && inside({ x: a.x + a.width, y: a.y + a.height }, pane, -1)).toBe(
      true,
    );
    await shot("05-shown");
  });

  it("at zoom 1, titles are not cut: they take two lines and chips go below", async () => {
    await page.getByRole("button", { name: "Fit view", exact: true }).click();
    await settled(page);
    const zoomIn = page.getByRole("button", { name: "Zoom In" });
    for (let i = 0; i < 20 && (await measure(page)).zoom < 1; i++) await zoomIn.click();
    await settled(page);
    await shot("06-zoom-1");
    const cut = await page.evaluate(() =>
      [...document.querySelectorAll(".react-flow__node .node-title")].map((el) => ({
        text: el.textContent,
        cut: el.scrollHeight > el.clientHeight + 1 || el.scrollWidth > el.clientWidth + 1,
      })),
    );
    expect(cut.length).toBeGreaterThan(3);
    expect(cut.filter((c) => c.cut).length / cut.length).toBeLessThanOrEqual(0.1);
  });

  it("100 threads, the newest 68 placed by the server as they came: at Fit view no node overlaps another, every title renders at 10 px or more, no overlay covers a node", async () => {
    await page.getByRole("button", { name: "Fit view", exact: true }).click();
    await settled(page);
    for (let i = 0; i < 68; i++)
      await agent.request("threads.create", {
        title: `${TITLES[(i * 3) % TITLES.length]} (${i})`,
        idempotencyKey: key("t"),
      });
    await expect
      .poll(() => readGraph(canvas.doc).nodes.filter((n) => n.kind === "thread").length, { timeout: 30_000 })
      .toBe(100);
    await page.getByRole("button", { name: "Fit view", exact: true }).click();
    await settled(page);
    await shot("07-hundred-threads");
    const { nodes } = readGraph(canvas.doc);
    for (const p of nodes) {
      for (const q of nodes) {
        if (p.id < q.id && p.parent !== q.id && q.parent !== p.id)
          expect(intersects(p, q), `${p.id} and ${q.id}`).toBe(false);
      }
    }
    const seen = await measure(page);
    expect(seen.nodes.filter((n) => n.id.startsWith("thread:")).length).toBe(100);
    for (const t of seen.titles) expect(t.px, `"${t.text}" at ${seen.zoom}`).toBeGreaterThanOrEqual(10);
    for (const o of seen.overlays)
      for (const n of seen.nodes) expect(intersects(o.rect, n.rect), `${o.name} covers ${n.id}`).toBe(false);
  });

  it("a member dragged out of its group leaves it and the box shrinks; dropped into another group it joins and that box grows to hold it", async () => {
    await page.getByRole("button", { name: "Fit view", exact: true }).click();
    await settled(page);
    const member = threads[3]!;
    const centre = async (id: string) => {
      const r = (await page.locator(`.react-flow__node[data-id="${id}"]`).boundingBox())!;
      return { x: r.x + r.width / 2, y: r.y + r.height / 2 };
    };
    const dragTo = async (id: string, to: { x: number; y: number }) => {
      const from = await centre(id);
      await page.mouse.move(from.x, from.y);
      await page.mouse.down();
      await page.mouse.move(to.x, to.y, { steps: 8 });
      await page.mouse.up();
    };
    const node = (id: string) => readGraph(canvas.doc).nodes.find((n) => n.id === id)!;
    const holds = (g: Rect, n: Rect) => n.x >= g.x && n.y >= g.y && n.x + n.w <= g.x + g.w && n.y + n.h <= g.y + g.h;
    // An empty spot of the pane just below the content's bottom-left, zoomed out until the
    // pane has one above the minimap and the filter bar (how much room there is depends on
    // the workspace's shape at Fit view).
    const emptySpot = async () => {
      for (let step = 0; step < 6; step++) {
        const spot = await page.evaluate(() => {
          const pane = document.querySelector(".react-flow")!.getBoundingClientRect();
          let bottom = Number.NEGATIVE_INFINITY;
          let left = Number.POSITIVE_INFINITY;
          for (const el of document.querySelectorAll(".react-flow__node")) {
            const r = el.getBoundingClientRect();
            bottom = Math.max(bottom, r.bottom);
            left = Math.min(left, r.left);
          }
          return { x: left + 40, y: bottom + 50, inside: bottom + 110 < pane.bottom - 140 };
        });
        if (spot.inside) return { x: spot.x, y: spot.y };
        const pane = (await page.locator(".react-flow__pane").boundingBox())!;
        await page.mouse.move(pane.x + pane.width / 2, pane.y + pane.height / 2);
        await page.mouse.wheel(0, 250);
        await settled(page);
      }
      throw new Error("no empty spot below the content");
    };
    expect(node(member).parent).toBe("group:b");
    // Out: below the content, on the empty pane.
    await dragTo(member, await emptySpot());
    await expect.poll(() => node(member).parent, { timeout: 10_000 }).toBe(null);
    await expect.poll(() => intersects(node("group:b"), node(member)), { timeout: 10_000 }).toBe(false);
    expect(holds(node("group:b"), node(threads[4]!))).toBe(true);
    // In: dropped on the middle of the other group.
    await dragTo(member, await centre("group:a"));
    await expect.poll(() => node(member).parent, { timeout: 10_000 }).toBe("group:a");
    await expect.poll(() => holds(node("group:a"), node(member)), { timeout: 10_000 }).toBe(true);
    for (const id of threads.slice(0, 3)) expect(holds(node("group:a"), node(id))).toBe(true);
    await shot("08-regrouped");
  });
});
