import { type NodeHandle, Position } from "@xyflow/react";
import { type GraphNode, isFrameKind } from "../../../shared/hatchery/graph";

/**
 * A node's size and connection handles as React Flow would measure them, handed to it with
 * the node. Until it has measured a node, React Flow renders it whatever the viewport
 * (`onlyRenderVisibleElements` makes an exception for nodes without handle bounds), and
 * its fitView waits until every node is measured: on opening a 2,000-node canvas that was
 * every node rendered, measured and unmounted again before the first paint (seen in a CPU
 * profile of the app). Known up front, only the nodes in view are
 * rendered, and a fit goes by these sizes.
 *
 * The size is the document's (React Flow sets it on the node's element). The handles
 * follow the CSS (client/app/styles.css): a `.node` has a 3 px left and 1 px other
 * borders, its handles are 9 px squares centred on the inside of the left and right
 * borders. React Flow still measures the nodes it renders; the browser test checks that
 * its measurement and these agree.
 */
const HANDLE = 9;
const BORDER_LEFT = 3;
const BORDER = 1;

export function nodeGeometry(
  kind: GraphNode["kind"] | "unreadable",
  w: number,
  h: number,
): { measured: { width: number; height: number }; handles: NodeHandle[] } {
  const measured = { width: w, height: h };
  // Frames (groups, projects) and unreadable nodes have no handles (client/app/canvas/nodes.tsx).
  if (isFrameKind(kind) || kind === "unreadable") return { measured, handles: [] };
  const y = BORDER + (h - 2 * BORDER) / 2 - HANDLE / 2;
  return {
    measured,
    handles: [
      {
        id: null,
        type: "target",
        position: Position.Left,
        x: BORDER_LEFT - HANDLE / 2,
        y,
        width: HANDLE,
        height: HANDLE,
      },
      {
        id: null,
        type: "source",
        position: Position.Right,
        x: w - BORDER - HANDLE / 2,
        y,
        width: HANDLE,
        height: HANDLE,
      },
    ],
  };
}
