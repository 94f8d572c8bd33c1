import { BaseEdge, type EdgeProps, getBezierPath, type ReactFlowInstance } from "@xyflow/react";
import { create } from "zustand";
import { tidyLayout } from "../../../shared/hatchery/tidy";
import { type FlowEdge, type FlowNode, useCanvas } from "../stores/canvas";
import { useTogether } from "../stores/together";

/**
 * Tidy up (shared/hatchery/tidy.ts), in this tab: the layout is computed from the nodes as
 * they are, the nodes glide to it (a CSS transition on their transform, so no per-frame
 * work on a big canvas), the positions are written in one transaction (one undo step),
 * and the view fits the result.
 *
 * Edges: ELK's orthogonal routes go round the nodes where a bezier would cut through a
 * layer. They are this tab's (the document has no place for them): an edge draws its route
 * while both its ends are still where the route starts and ends, and React Flow's bezier
 * as soon as either end moved (or in a tab that did not tidy).
 */

type Point = { x: number; y: number };

export const useRoutes = create<{ routes: ReadonlyMap<string, readonly Point[]> }>(() => ({ routes: new Map() }));

/** How far an end may be from the route's (the handle's offset from the side, rounding). */
const SLACK = 6;
const near = (a: Point, x: number, y: number) => Math.abs(a.x - x) <= SLACK && Math.abs(a.y - y) <= SLACK;
const CORNER = 8;

/** An orthogonal polyline with rounded corners, from the real handle to the real handle. */
export function routePath(points: readonly Point[]): string {
  let d = `M ${points[0]!.x},${points[0]!.y}`;
  for (let i = 1; i < points.length - 1; i++) {
    const p = points[i - 1]!;
    const c = points[i]!;
    const n = points[i + 1]!;
    const r = Math.min(CORNER, Math.hypot(c.x - p.x, c.y - p.y) / 2, Math.hypot(n.x - c.x, n.y - c.y) / 2);
    const a = { x: c.x - Math.sign(c.x - p.x) * r, y: c.y - Math.sign(c.y - p.y) * r };
    const b = { x: c.x + Math.sign(n.x - c.x) * r, y: c.y + Math.sign(n.y - c.y) * r };
    d += ` L ${a.x},${a.y} Q ${c.x},${c.y} ${b.x},${b.y}`;
  }
  const last = points.at(-1)!;
  return `${d} L ${last.x},${last.y}`;
}

/** Every edge on the canvas: its Tidy up route while that holds, else a bezier. */
export function RoutedEdge(props: EdgeProps<FlowEdge>) {
  const { id, sourceX, sourceY, targetX, targetY, sourcePosition, targetPosition, label, markerEnd, style } = props;
  const route = useRoutes((s) => s.routes.get(id));
  if (route && route.length >= 2 && near(route[0]!, sourceX, sourceY) && near(route.at(-1)!, targetX, targetY)) {
    // The ends as React Flow draws them; the bends as routed (the first and last leg stay level).
    const points = [{ x: sourceX, y: sourceY }, ...route.slice(1, -1), { x: targetX, y: targetY }];
    if (points.length > 2) {
      points[1] = { x: points[1]!.x, y: sourceY };
      points[points.length - 2] = { x: points[points.length - 2]!.x, y: targetY };
    }
    const mid = points[Math.floor(points.length / 2)]!;
    return (
      <BaseEdge
        id={id}
        path={routePath(points)}
        label={label}
        labelX={mid.x}
        labelY={mid.y}
        markerEnd={markerEnd}
        style={style}
      />
    );
  }
  const [path, labelX, labelY] = getBezierPath({ sourceX, sourceY, targetX, targetY, sourcePosition, targetPosition });
  return (
    <BaseEdge id={id} path={path} label={label} labelX={labelX} labelY={labelY} markerEnd={markerEnd} style={style} />
  );
}

export const edgeTypes = { default: RoutedEdge };

const GLIDE_MS = 450;

/** Lays the canvas out; resolves once the nodes are in place. `fit` then frames the result. */
export async function tidyUp(rf: Pick<ReactFlowInstance<FlowNode>, "getNodesBounds">, fit: () => void): Promise<void> {
  const { nodes, edges, applyLayout } = useCanvas.getState();
  if (nodes.length === 0) return;
  const laid = await tidyLayout(
    nodes
      .filter((n) => n.type !== "unreadable")
      .map((n) => ({ id: n.id, kind: n.data.g.kind, w: n.data.g.w, h: n.data.g.h, parent: n.data.g.parent })),
    edges.map((e) => ({ id: e.id, source: e.source, target: e.target })),
  );
  // Keep the layout where the content was: its top-left corner stays put.
  const before = rf.getNodesBounds(nodes);
  const xs = [...laid.positions.values()];
  const dx = Math.round(before.x - Math.min(...xs.map((p) => p.x)));
  const dy = Math.round(before.y - Math.min(...xs.map((p) => p.y)));
  const positions = new Map([...laid.positions].map(([id, p]) => [id, { x: p.x + dx, y: p.y + dy }]));
  const routes = new Map([...laid.routes].map(([id, r]) => [id, r.map((p) => ({ x: p.x + dx, y: p.y + dy }))]));
  const pane = document.querySelector(".canvas");
  pane?.classList.add("tidying");
  // One step of this tab's undo, and the others are told who moved their layout (stores/together.ts).
  useTogether.getState().writeTidy(() => applyLayout(positions, laid.sizes));
  useRoutes.setState({ routes });
  fit();
  await new Promise((resolve) => setTimeout(resolve, GLIDE_MS));
  pane?.classList.remove("tidying");
}
