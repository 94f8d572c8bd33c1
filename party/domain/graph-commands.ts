import type * as Y from "yjs";
import {
  edgeId,
  edgesMap,
  FOLDED_KINDS,
  NODE_SIZE,
  nodesMap,
  patchNode,
  personNode,
  writeNode,
} from "../../shared/hatchery/graph";
import { gatherGroup } from "../../shared/hatchery/gather";
import { kindOfId } from "../../shared/hatchery/node-schemas";
import { placeNode } from "../../shared/hatchery/placement";
import type { GraphCommand } from "../../shared/protocol/graph";
import { RoomError } from "./errors";

/**
 * Applies an agent's validated graph commands to the Hatchery document, all or nothing:
 * every command is checked against the document first, then all are written in one
 * transaction (origin `origin`, so observers can tell them apart from people's edits).
 */
export function applyGraphCommands(
  doc: Y.Doc,
  commands: GraphCommand[],
  newId: () => string,
  origin: unknown,
): { created: string[] } {
  const nodes = nodesMap(doc);
  const requireNode = (id: string) => {
    // Activity folds into its thread or instance (shared/hatchery/activity.ts): say so rather than "not found".
    const kind = kindOfId(id);
    if ((FOLDED_KINDS as readonly string[]).includes(kind))
      throw new RoomError(
        "bad_request",
        `a ${kind} is not a node on the canvas: it shows in its thread's or instance's activity`,
        { nodeId: id },
      );
    if (!nodes.has(id)) throw new RoomError("not_found", `no node ${id} on the canvas`, { nodeId: id });
  };
  for (const c of commands) {
    if (c.op === "node.move") requireNode(c.nodeId);
    if (c.op === "edge.add") {
      requireNode(c.source);
      requireNode(c.target);
      if (c.source === c.target) throw new RoomError("bad_request", "an edge needs two different nodes");
    }
    if (c.op === "group.add")
      for (const id of c.nodeIds) {
        requireNode(id);
        if (nodes.get(id)?.get("kind") === "group")
          throw new RoomError("bad_request", "a group cannot be a member of another group", { nodeId: id });
      }
    if (c.op === "note.add" && c.near) requireNode(c.near);
  }
  const created: string[] = [];
  doc.transact(() => {
    for (const c of commands) {
      switch (c.op) {
        case "note.add": {
          const id = `note:${newId()}`;
          const at =
            c.x !== undefined && c.y !== undefined
              ? { x: c.x, y: c.y }
              : placeNode(doc, NODE_SIZE.note, c.near ?? null);
          writeNode(doc, personNode("note", id, { text: c.text }, at));
          created.push(id);
          break;
        }
        case "node.move":
          patchNode(doc, c.nodeId, { x: c.x, y: c.y, placed: "pinned" });
          break;
        case "edge.add": {
          const id = edgeId(c.source, c.target);
          edgesMap(doc).set(id, {
            id,
            source: c.source,
            target: c.target,
            kind: "person",
            ...(c.label ? { label: c.label } : {}),
          });
          created.push(id);
          break;
        }
        case "group.add": {
          const id = `group:${newId()}`;
          // A placeholder box: gathering the members (decision 26) sizes and places it.
          writeNode(doc, personNode("group", id, { label: c.label }));
          gatherGroup(doc, id, c.nodeIds);
          created.push(id);
          break;
        }
      }
    }
  }, origin);
  return { created };
}
