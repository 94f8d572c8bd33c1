import { useReactFlow, useStore } from "@xyflow/react";
import { useEffect, useRef, type PointerEvent } from "react";
import { useCanvas, type FlowNode } from "../stores/canvas";
import { fittedNodes, useCanvasFilter } from "./filter";
import { useTheme } from "../stores/theme";

/**
 * A minimap drawn on one <canvas>. React Flow's own MiniMap renders an SVG element per
 * node and re-renders all of them on every node change: with thousands of nodes every
 * remote update is a long frame. This one redraws at most every 150 ms, in a
 * single paint, and pans the view on click or drag.
 */

const WIDTH = 200;
const HEIGHT = 140;
const REDRAW_MS = 150;
const DARK = {
  nodes: {
    thread: "#60a5fa",
    job: "#a78bfa",
    approval: "#fbbf24",
    note: "#fde68a",
    group: "rgba(148,163,184,0.25)",
    instance: "#34d399",
    session: "#34d399",
    tool: "#94a3b8",
  } as Record<string, string>,
  other: "#94a3b8",
  mask: "rgba(8, 10, 14, 0.55)",
  view: "#7c9cff",
};
/** On a light map the same hues, darker, so small marks stay visible against white. */
const LIGHT: typeof DARK = {
  nodes: {
    thread: "#2563eb",
    job: "#7c3aed",
    approval: "#d97706",
    note: "#ca8a04",
    group: "rgba(71,85,105,0.2)",
    instance: "#059669",
    session: "#059669",
    tool: "#64748b",
  },
  other: "#64748b",
  mask: "rgba(226, 232, 240, 0.6)",
  view: "#3b5bdb",
};

interface Frame {
  minX: number;
  minY: number;
  scale: number;
}

function bounds(nodes: readonly FlowNode[], view: { x: number; y: number; w: number; h: number }) {
  let minX = view.x;
  let minY = view.y;
  let maxX = view.x + view.w;
  let maxY = view.y + view.h;
  for (const n of nodes) {
    minX = Math.min(minX, n.position.x);
    minY = Math.min(minY, n.position.y);
    maxX = Math.max(maxX, n.position.x + n.data.g.w);
    maxY = Math.max(maxY, n.position.y + n.data.g.h);
  }
  return { minX, minY, maxX, maxY };
}

export function CanvasMiniMap() {
  const canvas = useRef<HTMLCanvasElement>(null);
  const frame = useRef<Frame>({ minX: 0, minY: 0, scale: 1 });
  const rf = useReactFlow();
  const theme = useTheme((s) => s.theme);
  const [tx, ty, zoom] = useStore((s) => s.transform);
  const width = useStore((s) => s.width);
  const height = useStore((s) => s.height);
  const view = useRef({ x: 0, y: 0, w: 1, h: 1 });
  view.current = { x: -tx / zoom, y: -ty / zoom, w: width / zoom, h: height / zoom };

  // biome-ignore lint/correctness/useExhaustiveDependencies: the view (tx, ty, zoom, size) is read through view.current; a change of it must still mark the map for a redraw
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | null = null;
    let dirty = true;
    const draw = () => {
      timer = null;
      if (!dirty) return;
      dirty = false;
      const el = canvas.current;
      const ctx = el?.getContext("2d");
      if (!el || !ctx) return;
      // What the canvas shows: not the internal sessions this tab hides (filter.ts).
      const nodes = fittedNodes(useCanvas.getState().nodes);
      const colors = theme === "light" ? LIGHT : DARK;
      const b = bounds(nodes, view.current);
      const pad = 40;
      const scale = Math.min(WIDTH / (b.maxX - b.minX + pad * 2), HEIGHT / (b.maxY - b.minY + pad * 2));
      const f = {
        minX: b.minX - pad - (WIDTH / scale - (b.maxX - b.minX + pad * 2)) / 2,
        minY: b.minY - pad - (HEIGHT / scale - (b.maxY - b.minY + pad * 2)) / 2,
        scale,
      };
      frame.current = f;
      const dpr = window.devicePixelRatio || 1;
      el.width = WIDTH * dpr;
      el.height = HEIGHT * dpr;
      ctx.scale(dpr, dpr);
      ctx.clearRect(0, 0, WIDTH, HEIGHT);
      for (const n of nodes) {
        ctx.fillStyle = colors.nodes[n.type ?? ""] ?? colors.other;
        ctx.fillRect(
          (n.position.x - f.minX) * scale,
          (n.position.y - f.minY) * scale,
          Math.max(1, n.data.g.w * scale),
          Math.max(1, n.data.g.h * scale),
        );
      }
      const v = view.current;
      ctx.fillStyle = colors.mask;
      ctx.fillRect(0, 0, WIDTH, HEIGHT);
      const vx = (v.x - f.minX) * scale;
      const vy = (v.y - f.minY) * scale;
      ctx.clearRect(vx, vy, v.w * scale, v.h * scale);
      for (const n of nodes) {
        const x = (n.position.x - f.minX) * scale;
        const y = (n.position.y - f.minY) * scale;
        if (x > vx + v.w * scale || y > vy + v.h * scale || x + n.data.g.w * scale < vx || y + n.data.g.h * scale < vy)
          continue;
        ctx.fillStyle = colors.nodes[n.type ?? ""] ?? colors.other;
        ctx.fillRect(x, y, Math.max(1, n.data.g.w * scale), Math.max(1, n.data.g.h * scale));
      }
      ctx.strokeStyle = colors.view;
      ctx.lineWidth = 1;
      ctx.strokeRect(vx + 0.5, vy + 0.5, v.w * scale - 1, v.h * scale - 1);
      // The others' views, each in their colour (a palette constant, never a remote string).
      ctx.setLineDash([3, 2]);
      for (const peer of useCanvas.getState().peers) {
        const pv = peer.viewport;
        if (!pv) continue;
        ctx.strokeStyle = peer.color;
        ctx.strokeRect(
          (pv.x - f.minX) * scale + 0.5,
          (pv.y - f.minY) * scale + 0.5,
          Math.max(2, pv.w * scale - 1),
          Math.max(2, pv.h * scale - 1),
        );
      }
      ctx.setLineDash([]);
      // Whose views this paint drew, for what cannot look at the pixels (tests, tools).
      el.dataset.peerViews = useCanvas
        .getState()
        .peers.filter((p) => p.viewport)
        .map((p) => p.name)
        .join(",");
      el.dataset.peerZooms = useCanvas
        .getState()
        .peers.flatMap((p) => (p.viewport ? [`${p.name}@${p.viewport.zoom.toFixed(2)}`] : []))
        .join(",");
    };
    const schedule = () => {
      dirty = true;
      if (!timer) timer = setTimeout(draw, REDRAW_MS);
    };
    draw();
    const unsubscribe = useCanvas.subscribe((s, prev) => {
      if (s.nodes !== prev.nodes || s.peers !== prev.peers) schedule();
    });
    const unsubscribeFilter = useCanvasFilter.subscribe((s, prev) => {
      if (s.showInternal !== prev.showInternal) schedule();
    });
    // The viewport moved: redraw soon (cheap, one paint).
    schedule();
    return () => {
      unsubscribe();
      unsubscribeFilter();
      if (timer) clearTimeout(timer);
    };
  }, [tx, ty, zoom, width, height, theme]);

  const panTo = (e: PointerEvent<HTMLCanvasElement>) => {
    const box = e.currentTarget.getBoundingClientRect();
    const f = frame.current;
    const x = (e.clientX - box.left) / f.scale + f.minX;
    const y = (e.clientY - box.top) / f.scale + f.minY;
    void rf.setCenter(x, y, { zoom });
  };

  return (
    <canvas
      ref={canvas}
      className="minimap"
      style={{ width: WIDTH, height: HEIGHT }}
      role="img"
      aria-label="Minimap: click or drag to move the view; dashed boxes are the others' views"
      onPointerDown={(e) => {
        e.currentTarget.setPointerCapture(e.pointerId);
        panTo(e);
      }}
      onPointerMove={(e) => {
        if (e.buttons === 1) panTo(e);
      }}
    />
  );
}
