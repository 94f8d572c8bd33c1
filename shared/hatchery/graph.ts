import * as Y from "yjs";

/**
 * The Hatchery document. Two root maps:
 * - `nodes`: node id → a nested Y.Map per node. Nested (not a plain JSON value) so that a
 *   person moving a node (`x`, `y`) and the server refreshing its `data` merge instead of
 *   one overwriting the other.
 * - `edges`: edge id → plain JSON `GraphEdge` (edges are created and deleted, not edited).
 * Domain nodes (threads, instances, sessions, projects) have deterministic ids
 * `${kind}:${refId}`, so the server's upserts are idempotent; people own notes, groups,
 * their edges and every node's position once they moved it. A project is a frame, as a
 * group is: its threads are its members (`parent`), and the server gathers them into it.
 */
export const NODES = "nodes";
export const EDGES = "edges";

export const DOMAIN_KINDS = ["thread", "instance", "session", "project"] as const;
/**
 * Kinds older documents had as nodes: activity now folds into its subject's
 * `data.activity` (activity.ts), and the Hatchery removes these once when it loads such a
 * document (party/rooms/hatchery/room.ts).
 */
export const FOLDED_KINDS = ["tool", "job", "approval"] as const;
export const PERSON_KINDS = ["note", "group"] as const;
export type DomainKind = (typeof DOMAIN_KINDS)[number];
export type PersonKind = (typeof PERSON_KINDS)[number];
export type NodeKind = DomainKind | PersonKind;

/** `pinned`: a person (or an agent through graph.apply) placed it; the server never moves it. */
export type Placement = "auto" | "pinned";

export interface GraphNode {
  id: string;
  kind: NodeKind;
  /** The domain entity a domain node shows (thread id, instance id, …); null for notes/groups. */
  ref: string | null;
  x: number;
  y: number;
  w: number;
  h: number;
  placed: Placement;
  /** Group this node sits in, if any. */
  parent: string | null;
  /** Kind-specific summary (server-owned for domain nodes; text for notes, label for groups). */
  data: Record<string, unknown>;
}

export interface GraphEdge {
  id: string;
  source: string;
  target: string;
  /** `domain` edges mirror relationships (thread → instance); `person` edges were drawn. */
  kind: "domain" | "person";
  label?: string;
}

export const NODE_SIZE: Record<NodeKind, { w: number; h: number }> = {
  // Room for a thread title of three lines, one line of its latest message and its foot row.
  thread: { w: 260, h: 120 },
  instance: { w: 220, h: 84 },
  session: { w: 240, h: 84 },
  note: { w: 200, h: 120 },
  group: { w: 480, h: 320 },
  // An empty project's frame: its name and room for a first thread.
  project: { w: 320, h: 180 },
};

/** Kinds drawn as a frame that holds its members (`parent`): a person's group, a project. */
export const FRAME_KINDS = ["group", "project"] as const;
export const isFrameKind = (kind: unknown): boolean => (FRAME_KINDS as readonly unknown[]).includes(kind);

export const isDomainKind = (kind: unknown): kind is DomainKind => (DOMAIN_KINDS as readonly unknown[]).includes(kind);
export const domainNodeId = (kind: DomainKind, ref: string) => `${kind}:${ref}`;

export const nodesMap = (doc: Y.Doc) => doc.getMap<Y.Map<unknown>>(NODES);
export const edgesMap = (doc: Y.Doc) => doc.getMap<GraphEdge>(EDGES);

export function readNode(id: string, m: Y.Map<unknown>): GraphNode {
  return {
    id,
    kind: m.get("kind") as NodeKind,
    ref: (m.get("ref") as string | null | undefined) ?? null,
    x: Number(m.get("x") ?? 0),
    y: Number(m.get("y") ?? 0),
    w: Number(m.get("w") ?? 200),
    h: Number(m.get("h") ?? 80),
    placed: (m.get("placed") as Placement | undefined) ?? "auto",
    parent: (m.get("parent") as string | null | undefined) ?? null,
    data: readData(m),
  };
}

/** A node's data; a note's text is its live `body` when it has one (note-text.ts). */
function readData(m: Y.Map<unknown>): Record<string, unknown> {
  const data = (m.get("data") as Record<string, unknown> | undefined) ?? {};
  const body = m.get("body");
  return body instanceof Y.Text ? { ...data, text: body.toString() } : data;
}

export function readGraph(doc: Y.Doc): { nodes: GraphNode[]; edges: GraphEdge[] } {
  const nodes: GraphNode[] = [];
  nodesMap(doc).forEach((m, id) => {
    nodes.push(readNode(id, m));
  });
  return { nodes, edges: [...edgesMap(doc).values()] };
}

/**
 * A node a person adds (a note or a group): pinned, in no group, at `box`, which is the
 * origin in the kind's usual size for what it leaves out (a group's placeholder before it
 * is gathered around its members).
 */
export function personNode(
  kind: PersonKind,
  id: string,
  data: Record<string, unknown>,
  box: Partial<Pick<GraphNode, "x" | "y" | "w" | "h">> = {},
): GraphNode {
  return { id, kind, ref: null, x: 0, y: 0, ...NODE_SIZE[kind], ...box, placed: "pinned", parent: null, data };
}

/** Writes a whole node (creating its Y.Map); call inside a doc transaction. */
export function writeNode(doc: Y.Doc, node: GraphNode): void {
  const m = new Y.Map<unknown>();
  for (const [key, value] of Object.entries(node)) if (key !== "id") m.set(key, value);
  nodesMap(doc).set(node.id, m);
}

/** Sets only the given fields of an existing node; returns false if it does not exist. */
export function patchNode(doc: Y.Doc, id: string, fields: Partial<Omit<GraphNode, "id">>): boolean {
  const m = nodesMap(doc).get(id);
  if (!m) return false;
  for (const [key, value] of Object.entries(fields)) {
    if (JSON.stringify(m.get(key)) !== JSON.stringify(value)) m.set(key, value);
  }
  return true;
}

export const edgeId = (source: string, target: string) => `${source}->${target}`;
