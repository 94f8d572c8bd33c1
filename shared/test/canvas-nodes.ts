import type * as Y from "yjs";
import type { WriteContext } from "../hatchery/client-write";
import { applyDomainOps, type opsForEvent } from "../hatchery/domain";
import { type GraphNode, type NodeKind, personNode } from "../hatchery/graph";
import type { DomainRecord } from "../hatchery/review";

// The nodes tests write to a canvas (unit tests here, the room's in party/test/, the app's
// in client/test/): one place for the fields a test does not care about, so each test names
// only what it is about (`more`: place, size, parent).

/** A person's note at the origin, of a note's usual size. */
export const noteNode = (id: string, text: string, more: Partial<GraphNode> = {}): GraphNode => ({
  ...personNode("note", id, { text }),
  ...more,
});

/** A person's group at the origin, of a group's usual size. */
export const groupNode = (id: string, label: string, more: Partial<GraphNode> = {}): GraphNode => ({
  ...personNode("group", id, { label }),
  ...more,
});

/** A node of a domain kind (the room's to write, or forged by a client) at the origin, placed by the room. */
export const domainNode = (
  id: string,
  kind: NodeKind,
  ref: string,
  data: Record<string, unknown>,
  more: Partial<GraphNode> = {},
): GraphNode => ({ id, kind, ref, x: 0, y: 0, w: 240, h: 96, placed: "auto", parent: null, data, ...more });

/** Applies domain ops in one transaction, as the Hatchery does; the ids of the nodes they removed. */
export function applyInTransaction(doc: Y.Doc, ops: ReturnType<typeof opsForEvent>): string[] {
  let removed: string[] = [];
  doc.transact(() => {
    removed = applyDomainOps(doc, ops);
  });
  return removed;
}

/** What the room checks a writer's update against: the domain records it knows, a writer who may write. */
export const clientWriteContext = (
  records: ReadonlyMap<string, DomainRecord>,
  over: Partial<WriteContext> = {},
): WriteContext => ({
  origin: "client",
  readOnly: false,
  roomFor: () => true,
  domainRecord: (id) => records.get(id) ?? null,
  maxPersonNodes: 100,
  maxEdges: 100,
  comments: { principal: { id: "u", name: "U" }, now: 0 },
  ...over,
});
