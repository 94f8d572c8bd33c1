import { type GraphNode, NODE_SIZE } from "../hatchery/graph";

// The person-made nodes tests write to a canvas (unit tests here, the room's in party/test/,
// the app's in client/test/): one place for the fields a test does not care about, so each
// test names only what it is about (`more`: place, size, parent).

/** A pinned note at the origin, of a note's usual size. */
export const noteNode = (id: string, text: string, more: Partial<GraphNode> = {}): GraphNode => ({
  id,
  kind: "note",
  ref: null,
  x: 0,
  y: 0,
  ...NODE_SIZE.note,
  placed: "pinned",
  parent: null,
  data: { text },
  ...more,
});

/** A pinned group at the origin, of a group's usual size. */
export const groupNode = (id: string, label: string, more: Partial<GraphNode> = {}): GraphNode => ({
  id,
  kind: "group",
  ref: null,
  x: 0,
  y: 0,
  ...NODE_SIZE.group,
  placed: "pinned",
  parent: null,
  data: { label },
  ...more,
});
