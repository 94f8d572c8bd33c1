import { useRoom } from "../stores/room";
import type { FlowNode } from "../stores/flow-items";

/**
 * A project's frame on the canvas holds the project's threads (the room decides which:
 * shared/hatchery/domain.ts draws the frame from `project.changed`). Dropping a thread into
 * a project's frame adds it to that project, dragging it out takes it out: the canvas asks
 * the room (`projects.update`), which moves the thread out of any other project and tells
 * everyone. Only threads join a project's frame; a note or an instance dropped on one
 * stays outside it.
 */

/** Whether `frame` may hold `node` when it is dropped on it: a person's group holds anything, a project's frame only threads. */
export const mayHost = (frame: FlowNode, node: FlowNode): boolean =>
  frame.type === "group" || (frame.type === "project" && node.type === "thread");

/** A thread that left one frame for another (or none), as the room must hear it. */
export interface ProjectMove {
  threadId: string;
  /** The project whose frame it left, if it was one's. */
  from: string | null;
  /** The project whose frame it was dropped in, if any. */
  to: string | null;
}

const projectOf = (frameId: string | null): string | null =>
  frameId?.startsWith("project:") ? frameId.slice("project:".length) : null;

/** The move of `node` from frame `was` to frame `now`, when a project is on either side. */
export function projectMove(node: FlowNode, was: string | null, now: string | null): ProjectMove | null {
  const threadId = node.type === "thread" ? node.data.g.ref : null;
  const [from, to] = [projectOf(was), projectOf(now)];
  if (!threadId || from === to || (from === null && to === null)) return null;
  return { threadId, from, to };
}

/** Tells the room; a refusal (the project was archived meanwhile, say) leaves the next `project.changed` to put the frame right. */
export function sendProjectMoves(moves: readonly ProjectMove[]): void {
  const client = useRoom.getState().client;
  if (!client) return;
  for (const move of moves) {
    const request = move.to
      ? client.projects.update({ projectId: move.to, addThreadIds: [move.threadId] })
      : client.projects.update({ projectId: move.from!, removeThreadIds: [move.threadId] });
    request.catch((error: unknown) => console.warn("the room did not take the thread's move", error));
  }
}
