import type { ELK, ElkExtendedEdge, ElkNode } from "elkjs/lib/elk-api.js";
import { isFrameKind } from "./graph";

/**
 * "Tidy up": the whole canvas laid out by ELK's layered algorithm, left to right, the way
 * its edges point (a session, its thread, the instance it runs on). Frames (groups and
 * projects) are compound nodes: a frame holds exactly its members and its box is sized to them. Separate
 * connected components (a lone thread, a note) are packed in rows shaped like the canvas.
 * Edges come back as orthogonal routes (start, bends, end): React Flow's bezier would cut
 * through a layer between the two ends of a long edge, a route goes round.
 */
export interface TidyNode {
  id: string;
  kind: string;
  w: number;
  h: number;
  parent: string | null;
}

export interface TidyEdge {
  id: string;
  source: string;
  target: string;
}

export interface TidyResult {
  /** Top-left corners, in canvas coordinates, of every node (groups included). */
  positions: Map<string, { x: number; y: number }>;
  /** New sizes of groups (fitted to their members). */
  sizes: Map<string, { w: number; h: number }>;
  /** Orthogonal route of each edge ELK routed, in canvas coordinates. */
  routes: Map<string, Array<{ x: number; y: number }>>;
}

/** Room above a group's members for its label, and around them. */
export const GROUP_PAD = { top: 56, side: 24 } as const;
/** Components are packed as wide as this times their height: the canvas between the side panels on a laptop. */
const ASPECT = 1.25;
const IN = "\u0000in";
const OUT = "\u0000out";

/**
 * Loaded on the first layout, not with the module: ELK is megabytes of compiled Java whose
 * evaluation builds thousands of classes; a tab that never tidies never pays for it (the
 * app's bundler splits it into its own chunk).
 */
let elk: Promise<ELK> | null = null;
const loadElk = (): Promise<ELK> => {
  elk ??= import("elkjs/lib/elk.bundled.js").then(({ default: Elk }) => new Elk());
  return elk;
};

export async function tidyLayout(nodes: readonly TidyNode[], edges: readonly TidyEdge[]): Promise<TidyResult> {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const groupIds = new Set(nodes.filter((n) => isFrameKind(n.kind)).map((n) => n.id));
  const memberOf = (n: TidyNode) => (n.parent && groupIds.has(n.parent) && !isFrameKind(n.kind) ? n.parent : null);
  const usable = edges.filter(
    (e) =>
      e.source !== e.target &&
      byId.has(e.source) &&
      byId.has(e.target) &&
      !groupIds.has(e.source) &&
      !groupIds.has(e.target),
  );
  // Connected components, a group and its members counting as connected. ELK's own
  // component packing does not apply across a hierarchy (groups), so they are packed here.
  const root = new Map<string, string>();
  const find = (id: string): string => {
    let r = id;
    while (root.get(r) !== r) r = root.get(r)!;
    root.set(id, r);
    return r;
  };
  const join = (a: string, b: string) => root.set(find(a), find(b));
  for (const n of nodes) root.set(n.id, n.id);
  for (const n of nodes) if (memberOf(n)) join(n.id, memberOf(n)!);
  for (const e of usable) join(e.source, e.target);
  const components = new Map<string, TidyNode[]>();
  for (const n of nodes) components.set(find(n.id), [...(components.get(find(n.id)) ?? []), n]);
  const result: TidyResult = { positions: new Map(), sizes: new Map(), routes: new Map() };
  const laid: Array<{ w: number; h: number; place(dx: number, dy: number): void }> = [];
  for (const members of components.values()) {
    if (members.length === 1) {
      const n = members[0]!;
      laid.push({ w: n.w, h: n.h, place: (dx, dy) => result.positions.set(n.id, { x: dx, y: dy }) });
      continue;
    }
    const inside = new Set(members.map((n) => n.id));
    laid.push(
      await layoutComponent(
        members,
        usable.filter((e) => inside.has(e.source)),
        memberOf,
        result,
      ),
    );
  }
  pack(laid);
  return result;
}

/** Shelves of components, tallest first, each shelf as wide as the whole would be at ASPECT. */
function pack(parts: Array<{ w: number; h: number; place(dx: number, dy: number): void }>): void {
  const area = parts.reduce((sum, p) => sum + (p.w + SPACING) * (p.h + SPACING), 0);
  const width = Math.max(Math.sqrt(area * ASPECT), ...parts.map((p) => p.w));
  parts.sort((a, b) => b.h - a.h || b.w - a.w);
  let x = 0;
  let y = 0;
  let shelf = 0;
  for (const p of parts) {
    if (x > 0 && x + p.w > width) {
      x = 0;
      y += shelf + SPACING;
      shelf = 0;
    }
    p.place(x, y);
    x += p.w + SPACING;
    shelf = Math.max(shelf, p.h);
  }
}

const SPACING = 64;

async function layoutComponent(
  members: TidyNode[],
  edges: TidyEdge[],
  memberOf: (n: TidyNode) => string | null,
  result: TidyResult,
): Promise<{ w: number; h: number; place(dx: number, dy: number): void }> {
  const groups = new Map(
    members
      .filter((n) => isFrameKind(n.kind))
      .map((g) => [g.id, { id: g.id, layoutOptions: groupOptions, children: [] as ElkNode[] }]),
  );
  const root: ElkNode = { id: "__root", layoutOptions: rootOptions, children: [], edges: [] };
  for (const n of members) {
    if (isFrameKind(n.kind)) continue;
    // Ports where React Flow draws the handles (middle of the left and right sides), so
    // the routes start and end where the edges do.
    const child: ElkNode = {
      id: n.id,
      width: n.w,
      height: n.h,
      layoutOptions: { "elk.portConstraints": "FIXED_POS" },
      ports: [
        { id: `${n.id}${IN}`, x: 0, y: n.h / 2, width: 0, height: 0, layoutOptions: { "elk.port.side": "WEST" } },
        { id: `${n.id}${OUT}`, x: n.w, y: n.h / 2, width: 0, height: 0, layoutOptions: { "elk.port.side": "EAST" } },
      ],
    };
    const group = memberOf(n);
    (group ? groups.get(group)!.children : root.children!).push(child);
  }
  for (const g of groups.values()) {
    const own = members.find((n) => n.id === g.id)!;
    root.children!.push(g.children.length > 0 ? g : { id: g.id, width: own.w, height: own.h });
  }
  root.edges = edges.map(
    (e): ElkExtendedEdge => ({ id: e.id, sources: [`${e.source}${OUT}`], targets: [`${e.target}${IN}`] }),
  );
  const laid = await (await loadElk()).layout(root);
  const positions = new Map<string, { x: number; y: number }>();
  const sizes = new Map<string, { w: number; h: number }>();
  const routes = new Map<string, Array<{ x: number; y: number }>>();
  const visit = (node: ElkNode) => {
    for (const c of node.children ?? []) {
      positions.set(c.id, { x: c.x ?? 0, y: c.y ?? 0 });
      if (groups.has(c.id)) sizes.set(c.id, { w: Math.round(c.width ?? 0), h: Math.round(c.height ?? 0) });
      visit(c);
    }
    for (const e of (node.edges ?? []) as ElkExtendedEdge[]) {
      const s = e.sections?.[0];
      if (s) routes.set(e.id, [s.startPoint, ...(s.bendPoints ?? []), s.endPoint]);
    }
  };
  visit(laid);
  // ELK leaves a margin round the drawing; the packing wants the tight box.
  const boxes = [...positions].map(([id, p]) => {
    const n = members.find((m) => m.id === id)!;
    const size = sizes.get(id) ?? n;
    return { x: p.x, y: p.y, r: p.x + size.w, b: p.y + size.h };
  });
  const minX = Math.min(...boxes.map((b) => b.x));
  const minY = Math.min(...boxes.map((b) => b.y));
  return {
    w: Math.max(...boxes.map((b) => b.r)) - minX,
    h: Math.max(...boxes.map((b) => b.b)) - minY,
    place(dx, dy) {
      const at = (p: { x: number; y: number }) => ({ x: Math.round(p.x - minX + dx), y: Math.round(p.y - minY + dy) });
      for (const [id, p] of positions) result.positions.set(id, at(p));
      for (const [id, size] of sizes) result.sizes.set(id, size);
      for (const [id, route] of routes) result.routes.set(id, route.map(at));
    },
  };
}

const rootOptions = {
  "elk.algorithm": "layered",
  "elk.direction": "RIGHT",
  "elk.edgeRouting": "ORTHOGONAL",
  "elk.hierarchyHandling": "INCLUDE_CHILDREN",
  "elk.spacing.nodeNode": "40",
  "elk.spacing.edgeNode": "24",
  "elk.spacing.edgeEdge": "12",
  "elk.layered.spacing.nodeNodeBetweenLayers": "96",
  "elk.layered.spacing.edgeNodeBetweenLayers": "24",
  "elk.layered.nodePlacement.strategy": "NETWORK_SIMPLEX",
  "elk.json.edgeCoords": "ROOT",
  "elk.json.shapeCoords": "ROOT",
};

const groupOptions = {
  "elk.padding": `[top=${GROUP_PAD.top},left=${GROUP_PAD.side},bottom=${GROUP_PAD.side},right=${GROUP_PAD.side}]`,
};
