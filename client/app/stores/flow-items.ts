import type { Edge, Node } from "@xyflow/react";
import * as Y from "yjs";
import { type GraphEdge, type GraphNode, isDomainKind, isFrameKind } from "../../../shared/hatchery/graph";
import { parseNode } from "../../../shared/hatchery/node-schemas";
import { nodeGeometry } from "./node-geometry";

/** Canvas items as React Flow wants them, built from the Hatchery document's values. */
/** `unreadable`: a node that does not match its kind's schema; shown as a small box, never rendered from its values. */
export type FlowNode = Node<{ g: GraphNode }, GraphNode["kind"] | "unreadable">;
export type FlowEdge = Edge<{ kind: GraphEdge["kind"] }>;

/**
 * Every node is parsed with its kind's schema when read (shared/hatchery/node-schemas.ts);
 * one that fails becomes an `unreadable` node that shows none of its values.
 */
export function readFlowNode(id: string, m: unknown, previous?: FlowNode): FlowNode {
  const fields = m instanceof Y.Map ? (m.toJSON() as Record<string, unknown>) : {};
  const g = parseNode(id, fields);
  if (g) return toFlowNode(g, previous);
  const at = { x: Number(fields.x), y: Number(fields.y) };
  const position = Number.isFinite(at.x) && Number.isFinite(at.y) ? at : { x: 0, y: 0 };
  const shown: GraphNode = {
    id,
    kind: "note",
    ref: null,
    ...position,
    w: 180,
    h: 60,
    placed: "pinned",
    parent: null,
    data: {},
  };
  return {
    id,
    type: "unreadable",
    position,
    width: shown.w,
    height: shown.h,
    ...nodeGeometry("unreadable", shown.w, shown.h),
    data: { g: shown },
    deletable: false,
    ariaLabel: "unreadable node",
  };
}

/** A node's accessible name: its kind and what people call it (a project by its name, never its id when it has one). */
export function nodeLabel(g: GraphNode): string {
  const called = g.data.title ?? g.data.name ?? g.data.label ?? g.data.text ?? g.ref ?? "";
  return `${g.kind} ${String(called)}`.slice(0, 120);
}

export function toFlowNode(g: GraphNode, previous?: FlowNode): FlowNode {
  const node: FlowNode = {
    id: g.id,
    type: g.kind,
    position: { x: g.x, y: g.y },
    width: g.w,
    height: g.h,
    ...nodeGeometry(g.kind, g.w, g.h),
    data: { g },
    // Domain nodes cannot be deleted; notes and groups can (people own them).
    deletable: !isDomainKind(g.kind),
    ariaLabel: nodeLabel(g),
    ...(isFrameKind(g.kind) && { className: "rf-group" }),
  };
  // Local interaction state survives a remote update of the same node.
  if (previous) {
    if (previous.selected) node.selected = true;
    if (previous.dragging) node.dragging = true;
  }
  return node;
}

export function toFlowEdge(e: GraphEdge, previous?: FlowEdge): FlowEdge {
  return {
    id: e.id,
    source: e.source,
    target: e.target,
    ...(e.label && { label: e.label }),
    data: { kind: e.kind },
    deletable: e.kind === "person",
    className: e.kind === "person" ? "edge-person" : "edge-domain",
    ...(previous?.selected && { selected: true }),
  };
}

/** Frames (groups, projects) first: React Flow stacks in array order, and a frame must sit under its members. */
export const byLayer = (a: FlowNode, b: FlowNode) => Number(isFrameKind(b.type)) - Number(isFrameKind(a.type));
