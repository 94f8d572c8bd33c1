import { z } from "zod";
import { mutatingParams } from "./common";

/**
 * Agents change the Hatchery canvas only through these validated commands (people edit
 * the shared document directly). Coordinates are canvas units.
 */
const Coord = z.number().finite().min(-1_000_000).max(1_000_000);
const NodeRef = z.string().min(1).max(120);

export const GraphCommand = z.discriminatedUnion("op", [
  z.object({
    op: z.literal("note.add"),
    text: z.string().min(1).max(2000),
    x: Coord.optional(),
    y: Coord.optional(),
    near: NodeRef.optional(),
  }),
  z.object({ op: z.literal("node.move"), nodeId: NodeRef, x: Coord, y: Coord }),
  z.object({ op: z.literal("edge.add"), source: NodeRef, target: NodeRef, label: z.string().max(80).optional() }),
  z.object({ op: z.literal("group.add"), label: z.string().min(1).max(80), nodeIds: z.array(NodeRef).min(1).max(200) }),
]);
export type GraphCommand = z.infer<typeof GraphCommand>;

export const GraphApplyParams = mutatingParams({
  commands: z.array(GraphCommand).min(1).max(50),
});
export const GraphApplyResult = z.object({
  applied: z.number().int().nonnegative(),
  /** Ids of the nodes and edges the commands created, in command order. */
  created: z.array(z.string()),
});
