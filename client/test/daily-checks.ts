// What e2e-daily-browser.test.ts measures in the page: whether the document scrolls, what
// overlaps what, what runs past the viewport's right edge, which tabs of a row are out of
// view, how many messages a thread shows, and what axe-core (injected from its npm package) finds. Each returns plain data, so a
// failing check prints what it saw.
import { createRequire } from "node:module";
import type { Locator, Page } from "playwright-core";

const require = createRequire(import.meta.url);
const axeSource: string = require("axe-core").source;

export interface Scroll {
  /** document.scrollingElement.scrollTop: 0 unless something scrolled the page. */
  scrollTop: number;
  /** How far the document could scroll at all (its scrollHeight past the viewport). */
  scrollable: number;
  /** The top bar's top edge on screen (0 while the header stays). */
  headerTop: number;
  /** The app's bottom edge on screen (the viewport's height unless a blank strip shows under it). */
  shellBottom: number;
  viewportHeight: number;
}

export function documentScroll(page: Page): Promise<Scroll> {
  return page.evaluate(() => {
    const root = document.scrollingElement ?? document.documentElement;
    return {
      scrollTop: root.scrollTop,
      scrollable: Math.max(0, root.scrollHeight - innerHeight),
      headerTop: document.querySelector(".topbar")?.getBoundingClientRect().top ?? Number.NaN,
      shellBottom: document.querySelector(".shell")?.getBoundingClientRect().bottom ?? Number.NaN,
      viewportHeight: innerHeight,
    };
  });
}

/** What a page that never scrolls reports. */
export const still = (viewportHeight: number): Scroll => ({
  scrollTop: 0,
  scrollable: 0,
  headerTop: 0,
  shellBottom: viewportHeight,
  viewportHeight,
});

type Box = { x: number; y: number; width: number; height: number };

const intersect = (a: Box, b: Box) =>
  a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

/** Whether two shown elements' boxes overlap (false when either is not shown). */
export async function overlap(a: Locator, b: Locator): Promise<boolean> {
  const [boxA, boxB] = await Promise.all([a.boundingBox(), b.boundingBox()]);
  return !!boxA && !!boxB && intersect(boxA, boxB);
}

/** Whether the element is what a tap at its centre reaches (nothing covers it there). */
export function reachable(target: Locator): Promise<boolean> {
  return target.evaluate((el) => {
    const r = el.getBoundingClientRect();
    const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
    return !!hit && (hit === el || el.contains(hit));
  });
}

/** A row of tabs' shown tabs (by their own text, without counts) that are not wholly in view, by the side of the row they are on. */
export interface TabsOutOfView {
  before: string[];
  after: string[];
}

/**
 * The tabs of `tablist` (those shown at all) cut by its edge or the window's, or covered
 * where a tap would land by something drawn over them.
 */
export function tabsOutOfView(tablist: Locator): Promise<TabsOutOfView> {
  return tablist.evaluate((list) => {
    const tabText = (tab: Element) =>
      [...tab.childNodes]
        .filter((n) => n.nodeType === Node.TEXT_NODE)
        .map((n) => n.textContent)
        .join("")
        .trim();
    const row = list.getBoundingClientRect();
    const out = { before: [] as string[], after: [] as string[] };
    for (const tab of list.querySelectorAll<HTMLElement>('[role="tab"]')) {
      if (tab.offsetParent === null) continue;
      const r = tab.getBoundingClientRect();
      const y = r.top + r.height / 2;
      const whole =
        r.left >= Math.max(row.left, 0) - 0.5 &&
        r.right <= Math.min(row.right, innerWidth) + 0.5 &&
        [r.left + 1, r.left + r.width / 2, r.right - 1].every((x) => tab.contains(document.elementFromPoint(x, y)));
      if (!whole) (r.left + r.width / 2 < row.left + row.width / 2 ? out.before : out.after).push(tabText(tab));
    }
    return out;
  });
}

/** Each tab's own text (without its count), as tabsOutOfView names them. */
export function tabTexts(tabs: Locator): Promise<string[]> {
  return tabs.evaluateAll((els) =>
    els.map((tab) =>
      [...tab.childNodes]
        .filter((n) => n.nodeType === Node.TEXT_NODE)
        .map((n) => n.textContent)
        .join("")
        .trim(),
    ),
  );
}

export interface Overflow {
  scrollWidth: number;
  viewportWidth: number;
  /** Shown elements (outside the canvas's own pane, which draws nodes off screen on purpose) whose right edge is past the viewport. */
  pastRightEdge: string[];
  /** Shown elements that clip their own content sideways without scrolling it (a cut-off bar). */
  clipped: string[];
}

export function horizontalOverflow(page: Page): Promise<Overflow> {
  return page.evaluate(() => {
    const name = (el: Element) =>
      `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ""}${typeof el.className === "string" && el.className ? `.${el.className.trim().split(/\s+/).join(".")}` : ""} “${(el.textContent ?? "").trim().slice(0, 30)}”`;
    const shown = (el: Element) => {
      const style = getComputedStyle(el);
      const r = el.getBoundingClientRect();
      return style.visibility !== "hidden" && style.display !== "none" && r.width > 0 && r.height > 0;
    };
    const pastRightEdge: string[] = [];
    const clipped: string[] = [];
    for (const el of document.querySelectorAll("body *")) {
      if (el.closest(".react-flow__viewport, .react-flow__edges, dialog:not([open]), .sr-only")) continue;
      if (!shown(el)) continue;
      const r = el.getBoundingClientRect();
      // Inside something that scrolls sideways on purpose (a code block, a table, a phone's row of tabs), being past the edge is its job.
      const scroller = el.parentElement?.closest("pre, .md-table, .palette-list, [role=tablist]");
      if (r.right > innerWidth + 0.5 && !scroller) pastRightEdge.push(name(el));
      const style = getComputedStyle(el);
      if (
        !el.closest(".react-flow") &&
        style.overflowX === "hidden" &&
        el.scrollWidth > el.clientWidth + 1 &&
        style.textOverflow !== "ellipsis" &&
        (el.matches(".topbar, .bottom-bar, .canvas-toolbar, .canvas-filters, .tabs") || el.children.length > 1)
      )
        clipped.push(name(el));
    }
    return {
      scrollWidth: document.documentElement.scrollWidth,
      viewportWidth: innerWidth,
      pastRightEdge: pastRightEdge.slice(0, 20),
      clipped: clipped.slice(0, 20),
    };
  });
}

/** Messages of the open thread wholly inside its list's visible part. */
export function visibleMessages(page: Page): Promise<number> {
  return page.locator(".thread-view .messages").evaluate((list) => {
    const box = list.getBoundingClientRect();
    return [...list.querySelectorAll(".message")].filter((m) => {
      const r = m.getBoundingClientRect();
      return r.height > 0 && r.top >= box.top - 1 && r.bottom <= box.bottom + 1;
    }).length;
  });
}

export interface AxeFinding {
  id: string;
  impact: string | null;
  help: string;
  targets: string[];
}

/** axe-core's serious and critical violations on the page as it is now. */
export async function axeSerious(page: Page): Promise<AxeFinding[]> {
  if (!(await page.evaluate(() => "axe" in window))) await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (c: Document, o: object) => Promise<{ violations: unknown[] }> } })
      .axe;
    return (await axe.run(document, { resultTypes: ["violations"] })).violations as {
      id: string;
      impact: string | null;
      help: string;
      nodes: { target: string[] }[];
    }[];
  });
  return violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      targets: v.nodes.slice(0, 5).map((n) => n.target.join(" ")),
    }));
}
