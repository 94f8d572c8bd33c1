// What a person sees of the Hatchery canvas, measured in the page: after the app's own
// "Fit view", each node's title size on screen, overlapping nodes, edges drawn through
// nodes that are neither of their ends, nodes under the minimap, the zoom controls or
// the toolbars; at zoom 1, titles cut. Geometry only, from the rendered DOM: whatever
// the canvas draws (semantic zoom, folded activity, another layout) is what is measured.
import type { Page } from "playwright-core";

type Box = { x: number; y: number; w: number; h: number };

export interface FitMetrics {
  zoom: number;
  nodes: number;
  edges: number;
  /** Nodes by React Flow type (thread, job, note, group, …). */
  kinds: Record<string, number>;
  titles: { id: string; kind: string; text: string; px: number }[];
  smallTitles: number;
  minTitlePx: number;
  medianTitlePx: number;
  /** Nodes without any title element (no .node-title, .far-title, .group-label, .note-text). */
  untitled: string[];
  overlaps: [string, string][];
  edgesThroughNodes: { edge: string; through: string[] }[];
  /** Overlay (minimap, controls, toolbar) → the nodes it covers. */
  covered: Record<string, string[]>;
  /** Nodes not wholly inside the canvas pane. */
  outside: string[];
}

export const MIN_TITLE_PX = 10;

/** Runs in the page: everything above, from the DOM as it is now. */
function measureInPage(groupOf: Record<string, string>): FitMetrics {
  const rectOf = (el: Element): Box => {
    const r = el.getBoundingClientRect();
    return { x: r.left, y: r.top, w: r.width, h: r.height };
  };
  const cut = (a: Box, b: Box) =>
    Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x) > 1 && Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y) > 1;
  const inside = (p: { x: number; y: number }, r: Box, by: number) =>
    p.x > r.x - by && p.x < r.x + r.w + by && p.y > r.y - by && p.y < r.y + r.h + by;
  const flow = document.querySelector(".react-flow");
  const viewport = document.querySelector(".react-flow__viewport");
  if (!flow || !viewport) throw new Error("no canvas on the page");
  const pane = rectOf(flow);
  const zoom = new DOMMatrixReadOnly(getComputedStyle(viewport).transform).a;
  const nodes = [...document.querySelectorAll<HTMLElement>(".react-flow__node")].map((el) => {
    const kind =
      [...el.classList].find((c) => c.startsWith("react-flow__node-"))?.slice("react-flow__node-".length) ?? "?";
    return { id: el.dataset.id ?? "?", kind, el, box: rectOf(el) };
  });
  const kinds: Record<string, number> = {};
  for (const n of nodes) kinds[n.kind] = (kinds[n.kind] ?? 0) + 1;
  const titles: FitMetrics["titles"] = [];
  const untitled: string[] = [];
  for (const n of nodes) {
    const title = n.el.querySelector<HTMLElement>(".far-title, .node-title, .group-label, .note-text");
    if (!title) {
      untitled.push(n.id);
      continue;
    }
    // Every scale between the element's layout size and the screen (the viewport's zoom, any CSS scale).
    const r = title.getBoundingClientRect();
    const scale =
      title.offsetWidth > 0
        ? r.width / title.offsetWidth
        : title.offsetHeight > 0
          ? r.height / title.offsetHeight
          : zoom;
    titles.push({
      id: n.id,
      kind: n.kind,
      text: (title.textContent ?? "").slice(0, 60),
      px: Math.round(parseFloat(getComputedStyle(title).fontSize) * scale * 100) / 100,
    });
  }
  const sizes = titles.map((t) => t.px).sort((a, b) => a - b);
  const overlaps: [string, string][] = [];
  for (let i = 0; i < nodes.length; i++) {
    for (let j = i + 1; j < nodes.length; j++) {
      const a = nodes[i]!;
      const b = nodes[j]!;
      if (groupOf[a.id] === b.id || groupOf[b.id] === a.id) continue;
      if (cut(a.box, b.box)) overlaps.push([a.id, b.id]);
    }
  }
  // Edges: the drawn path, sampled on screen; its ends are the nodes its first and last points touch.
  const solid = nodes.filter((n) => n.kind !== "group");
  const edgeEls = [...document.querySelectorAll<SVGGElement>(".react-flow__edge")];
  const edgesThroughNodes: FitMetrics["edgesThroughNodes"] = [];
  for (const g of edgeEls) {
    const path =
      g.querySelector<SVGPathElement>("path.react-flow__edge-path") ?? g.querySelector<SVGPathElement>("path");
    const ctm = path?.getScreenCTM();
    if (!path || !ctm) continue;
    const length = path.getTotalLength();
    const steps = Math.min(600, Math.max(8, Math.ceil((length * zoom) / 3)));
    const points = Array.from({ length: steps + 1 }, (_, k) =>
      new DOMPoint(
        path.getPointAtLength((length * k) / steps).x,
        path.getPointAtLength((length * k) / steps).y,
      ).matrixTransform(ctm),
    );
    const first = points[0]!;
    const last = points.at(-1)!;
    // React Flow names an edge's ends in its label unless the app sets its own; else they are what its ends touch.
    const named = /^Edge from (\S+) to (\S+)$/.exec(g.getAttribute("aria-label") ?? "");
    const ends = new Set(
      named
        ? [named[1]!, named[2]!]
        : solid.filter((n) => inside(first, n.box, 12) || inside(last, n.box, 12)).map((n) => n.id),
    );
    const through = solid
      .filter(
        (n) =>
          !ends.has(n.id) &&
          points.some((p) => inside(p, { x: n.box.x + 2, y: n.box.y + 2, w: n.box.w - 4, h: n.box.h - 4 }, 0)),
      )
      .map((n) => n.id);
    if (through.length) edgesThroughNodes.push({ edge: g.dataset.id ?? g.getAttribute("aria-label") ?? "?", through });
  }
  const overlays: [string, Element][] = [
    ...[...document.querySelectorAll(".react-flow__minimap, .minimap-panel")].map((el): [string, Element] => [
      "minimap",
      el,
    ]),
    ...[...document.querySelectorAll(".react-flow__controls")].map((el): [string, Element] => ["zoom controls", el]),
    ...[
      ...document.querySelectorAll(
        ".canvas-toolbar, .canvas [role='toolbar'], .react-flow__panel:not(.minimap-panel):not(.react-flow__controls)",
      ),
    ].map((el): [string, Element] => [`toolbar ${el.getAttribute("aria-label") ?? el.className}`, el]),
  ];
  const covered: Record<string, string[]> = {};
  for (const [name, el] of overlays) {
    const box = rectOf(el);
    if (box.w === 0 || box.h === 0 || getComputedStyle(el).visibility === "hidden") continue;
    const hits = nodes.filter((n) => cut(n.box, box)).map((n) => n.id);
    covered[name] = [...new Set([...(covered[name] ?? []), ...hits])];
  }
  const outside = nodes
    .filter(
      (n) =>
        n.box.x < pane.x - 1 ||
        n.box.y < pane.y - 1 ||
        n.box.x + n.box.w > pane.x + pane.w + 1 ||
        n.box.y + n.box.h > pane.y + pane.h + 1,
    )
    .map((n) => n.id);
  return {
    zoom,
    nodes: nodes.length,
    edges: edgeEls.length,
    kinds,
    titles,
    smallTitles: titles.filter((t) => t.px < 10).length,
    minTitlePx: sizes[0] ?? 0,
    medianTitlePx: sizes[Math.floor(sizes.length / 2)] ?? 0,
    untitled,
    overlaps,
    edgesThroughNodes,
    covered,
    outside,
  };
}

/** Runs in the page: the rendered titles that do not show whole (wider or taller than their box, or clipped by their node). */
function cutTitlesInPage(): { id: string; text: string; cut: boolean }[] {
  return [...document.querySelectorAll<HTMLElement>(".react-flow__node")].flatMap((node) => {
    const title = node.querySelector<HTMLElement>(".far-title, .node-title, .group-label, .note-text");
    if (!title) return [];
    const own =
      title.clientWidth > 0 &&
      (title.scrollWidth > title.clientWidth + 1 || title.scrollHeight > title.clientHeight + 1);
    const t = title.getBoundingClientRect();
    const n = node.getBoundingClientRect();
    const clipped = t.right > n.right + 1 || t.bottom > n.bottom + 1;
    return [{ id: node.dataset.id ?? "?", text: (title.textContent ?? "").slice(0, 60), cut: own || clipped }];
  });
}

/** Resolves once the canvas's transform has not changed for a few frames (an animated fit or zoom is over). */
export async function settled(page: Page, timeoutMs = 10_000): Promise<void> {
  await page.evaluate(() => {
    delete (window as unknown as { __still?: unknown }).__still;
  });
  await page.waitForFunction(
    () => {
      const w = window as unknown as { __still?: { t: string; frames: number } };
      const el = document.querySelector(".react-flow__viewport");
      const t = el ? getComputedStyle(el).transform : "";
      const still = w.__still && w.__still.t === t ? w.__still.frames + 1 : 0;
      w.__still = { t, frames: still };
      return el !== null && still >= 12;
    },
    undefined,
    { polling: "raf", timeout: timeoutMs },
  );
}

export const currentZoom = (page: Page) =>
  page.evaluate(
    () => new DOMMatrixReadOnly(getComputedStyle(document.querySelector(".react-flow__viewport")!).transform).a,
  );

/** Presses the app's own "Fit view" and waits for its animation to end. */
export async function fitView(page: Page): Promise<void> {
  await page.getByRole("button", { name: "Fit view", exact: true }).click();
  await settled(page);
}

/** Zooms to `target` about the screen point `at` with the mouse wheel, as a person would. */
export async function zoomTo(page: Page, target: number, at: { x: number; y: number }): Promise<number> {
  await page.mouse.move(at.x, at.y);
  let zoom = await currentZoom(page);
  for (let i = 0; i < 8 && Math.abs(zoom - target) > 0.005; i++) {
    // d3-zoom's wheel: k' = k · 2^(−deltaY · 0.002) in pixel mode.
    await page.mouse.wheel(0, -Math.log2(target / zoom) / 0.002);
    await settled(page);
    zoom = await currentZoom(page);
  }
  return zoom;
}

export async function measureFit(page: Page, groupOf: Map<string, string>): Promise<FitMetrics> {
  return page.evaluate(measureInPage, Object.fromEntries(groupOf));
}

export interface CutMetrics {
  zoom: number;
  seen: number;
  cut: number;
  share: number;
  examples: string[];
  /** The view with the most titles in it. */
  screenshot: Buffer | null;
}

/**
 * At zoom 1 the canvas renders only what is in view: from Fit view, zoom in about points
 * of a grid over the pane (at most `maxTiles` per side) and collect every title rendered.
 */
export async function measureCutAtZoom1(page: Page, maxTiles = 5): Promise<CutMetrics> {
  await fitView(page);
  const pane = (await page.locator(".react-flow").boundingBox())!;
  const fit = await currentZoom(page);
  const per = Math.max(2, Math.min(maxTiles, Math.ceil(1 / fit) + 1));
  const seen = new Map<string, { text: string; cut: boolean }>();
  let fullest: { titles: number; shot: Buffer | null } = { titles: -1, shot: null };
  let zoom = 1;
  for (let i = 0; i < per; i++) {
    for (let j = 0; j < per; j++) {
      await fitView(page);
      // The wheel must land on the canvas, not on a toolbar or the minimap: off those, toward the middle.
      let at = {
        x: pane.x + pane.width * (0.1 + (0.8 * i) / (per - 1)),
        y: pane.y + pane.height * (0.1 + (0.8 * j) / (per - 1)),
      };
      const middle = { x: pane.x + pane.width / 2, y: pane.y + pane.height / 2 };
      while (
        await page.evaluate(
          ({ x, y }) =>
            document
              .elementFromPoint(x, y)
              ?.closest(".react-flow__panel, .react-flow__controls, .canvas-toolbar, .canvas-filters") != null,
          at,
        )
      ) {
        at = { x: at.x + (middle.x - at.x) * 0.2, y: at.y + (middle.y - at.y) * 0.2 };
      }
      zoom = await zoomTo(page, 1, at);
      if (Math.abs(zoom - 1) > 0.01) throw new Error(`the wheel at ${at.x},${at.y} left the canvas at zoom ${zoom}`);
      const titles = await page.evaluate(cutTitlesInPage);
      for (const t of titles) if (!seen.has(t.id)) seen.set(t.id, t);
      if (titles.length > fullest.titles) fullest = { titles: titles.length, shot: await page.screenshot() };
    }
  }
  const all = [...seen.values()];
  const cut = all.filter((t) => t.cut);
  return {
    zoom,
    seen: all.length,
    cut: cut.length,
    share: all.length ? cut.length / all.length : 0,
    examples: cut.slice(0, 8).map((t) => t.text),
    screenshot: fullest.shot,
  };
}

export interface NewNodeInView {
  rendered: boolean;
  inPane: boolean;
  coveredBy: string[];
}

/** Where the node `id` is now: rendered at all, wholly inside the pane, under an overlay. */
export async function nodeInView(page: Page, id: string, timeoutMs: number): Promise<NewNodeInView> {
  const node = page.locator(`.react-flow__node[data-id="${id}"]`);
  const rendered = await node
    .waitFor({ timeout: timeoutMs })
    .then(() => true)
    .catch(() => false);
  if (!rendered) return { rendered, inPane: false, coveredBy: [] };
  await settled(page);
  const metrics = await page.evaluate(measureInPage, {});
  return {
    rendered,
    inPane: !metrics.outside.includes(id),
    coveredBy: Object.entries(metrics.covered)
      .filter(([, ids]) => ids.includes(id))
      .map(([name]) => name),
  };
}

/** One table for the report. */
export function metricsTable(label: string, fit: FitMetrics, cut: CutMetrics, fresh: NewNodeInView): string {
  const coveredCount = Object.values(fit.covered).reduce((n, ids) => n + ids.length, 0);
  const rows: [string, string][] = [
    ["Fit view zoom", fit.zoom.toFixed(3)],
    [
      "nodes / edges rendered",
      `${fit.nodes} / ${fit.edges} (${Object.entries(fit.kinds)
        .map(([k, n]) => `${k} ${n}`)
        .join(", ")})`,
    ],
    [
      `titles < ${MIN_TITLE_PX} px at Fit view`,
      `${fit.smallTitles} of ${fit.titles.length} (min ${fit.minTitlePx} px, median ${fit.medianTitlePx} px)`,
    ],
    ["nodes without a title", String(fit.untitled.length)],
    ["overlapping node pairs", String(fit.overlaps.length)],
    ["edges through a node that is neither end", `${fit.edgesThroughNodes.length} of ${fit.edges}`],
    [
      "nodes covered by minimap / controls / toolbars",
      `${coveredCount} (${Object.entries(fit.covered)
        .map(([k, ids]) => `${k}: ${ids.length}`)
        .join("; ")})`,
    ],
    ["nodes outside the pane at Fit view", String(fit.outside.length)],
    [
      "titles cut at zoom 1",
      `${cut.cut} of ${cut.seen} (${(cut.share * 100).toFixed(0)} %) at zoom ${cut.zoom.toFixed(3)}, e.g. ${cut.examples
        .slice(0, 4)
        .map((t) => `“${t}”`)
        .join(", ")}`,
    ],
    [
      "agent's new thread",
      `rendered ${fresh.rendered}, inside the pane ${fresh.inPane}, covered by ${fresh.coveredBy.join(", ") || "nothing"}`,
    ],
  ];
  return [`| ${label} | |`, "|---|---|", ...rows.map(([k, v]) => `| ${k} | ${v} |`)].join("\n");
}
