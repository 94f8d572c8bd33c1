// The view the canvas opens at (client/app/canvas/first-view.ts), computed before React
// Flow has rendered or measured any node.
import { describe, expect, it } from "vitest";
import { firstViewport, focusViewport } from "../app/canvas/first-view";
import { toFlowNode } from "../app/stores/flow-items";
import { noteNode } from "../../shared/test/canvas-nodes";

const note = (i: number, x: number, y: number) => toFlowNode(noteNode(`note:n${i}`, "", { x, y, w: 220, h: 96 }));
/** Where a flow point lands on screen. */
const onScreen = (v: { x: number; y: number; zoom: number }, x: number, y: number) => ({
  x: x * v.zoom + v.x,
  y: y * v.zoom + v.y,
});

describe("the canvas's first view", () => {
  it("a few nodes: all of them in view, not magnified past 100 %", () => {
    const nodes = [note(0, 0, 0), note(1, 400, 200), note(2, -300, 100)];
    const v = firstViewport(nodes, 1280, 800);
    expect(v.zoom).toBeLessThanOrEqual(1);
    for (const n of nodes) {
      const topLeft = onScreen(v, n.position.x, n.position.y);
      const bottomRight = onScreen(v, n.position.x + 220, n.position.y + 96);
      expect(topLeft.x).toBeGreaterThanOrEqual(0);
      expect(topLeft.y).toBeGreaterThanOrEqual(0);
      expect(bottomRight.x).toBeLessThanOrEqual(1280);
      expect(bottomRight.y).toBeLessThanOrEqual(800);
    }
  });

  it("2,000 nodes: opens at 50 % centred on the middle of the canvas, not zoomed out to fit them all", () => {
    const nodes = Array.from({ length: 2000 }, (_, i) => note(i, (i % 80) * 300, Math.floor(i / 80) * 160));
    const v = firstViewport(nodes, 1280, 800);
    expect(v.zoom).toBe(0.5);
    // The middle of the nodes' bounds (79 * 300 + 220, 24 * 160 + 96) is the middle of the screen.
    const middle = onScreen(v, (79 * 300 + 220) / 2, (24 * 160 + 96) / 2);
    expect(middle.x).toBeCloseTo(640);
    expect(middle.y).toBeCloseTo(400);
  });

  it("taller than the pane at the floor's zoom: the top row starts under the toolbar, not behind it", () => {
    const nodes = Array.from({ length: 60 }, (_, i) => note(i, (i % 5) * 300, Math.floor(i / 5) * 160));
    const padding = { top: "72px", right: "16px", bottom: "160px", left: "16px" } as const;
    const v = firstViewport(nodes, 760, 800, padding);
    expect(v.zoom).toBe(0.5);
    expect(onScreen(v, 0, 0).y).toBeCloseTo(72);
    // Across, still centred on the nodes.
    expect(onScreen(v, (4 * 300 + 220) / 2, 0).x).toBeCloseTo(380);
  });

  it("a thread opened while the canvas is off screen: a view that shows it readable and clear of the toolbar stays; one it is under moves just enough", () => {
    const overlays = { top: "114px", right: "16px", bottom: "120px", left: "16px" } as const;
    const node = { x: 300, y: 0, width: 220, height: 96 };
    const view = { x: 0, y: 200, zoom: 0.5 };
    expect(focusViewport(view, node, 390, 700, overlays, true)).toBe(view);
    // Scrolled so that the node sits under the toolbar: moved down until it starts below it, zoom kept.
    const under = { x: 0, y: 60, zoom: 0.5 };
    const moved = focusViewport(under, node, 390, 700, overlays, true);
    expect(moved.zoom).toBe(0.5);
    expect(onScreen(moved, node.x, node.y).y).toBeCloseTo(114);
    expect(moved.x).toBe(0);
    // Far zoomed out: brought to the middle, readable.
    const far = focusViewport({ x: 0, y: 0, zoom: 0.1 }, node, 390, 700, overlays, true);
    expect(far.zoom).toBeGreaterThanOrEqual(0.5);
    expect(onScreen(far, node.x, node.y).y).toBeGreaterThanOrEqual(114);
  });

  it("a thread opened beside the canvas on screen: it comes to the middle, readable, below the toolbar", () => {
    const overlays = { top: "70px", right: "16px", bottom: "120px", left: "16px" } as const;
    const node = { x: 300, y: 0, width: 220, height: 96 };
    const v = focusViewport({ x: 0, y: 200, zoom: 0.5 }, node, 900, 800, overlays, false);
    expect(v.zoom).toBeGreaterThan(0.5);
    expect(v.zoom).toBeLessThanOrEqual(1.1);
    expect(onScreen(v, node.x + node.width / 2, 0).x).toBeCloseTo(16 + (900 - 16 - 16) / 2, 0);
    expect(onScreen(v, node.x, node.y).y).toBeGreaterThanOrEqual(70);
  });
});
