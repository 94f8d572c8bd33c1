import type * as Y from "yjs";
import { z } from "zod";
import { ID_MAX, isPlainJson } from "./node-schemas";

/**
 * Comments on canvas nodes: a third root map of the Hatchery document, `comments`, one
 * plain JSON value per comment under the key `${nodeId}|${commentId}`. Flat rather than a
 * container per node so that no client can replace a node's whole list (and everyone's
 * comments in it) with one write; each key is reviewed on its own.
 *
 * The room's review (reviewComments) lets a person add a comment in their own name, delete
 * only their own, and never edit one; text is bounded and the app renders it as text.
 */
export const COMMENTS = "comments";
export const COMMENT_TEXT_MAX = 2000;
export const COMMENTS_PER_NODE_MAX = 100;
export const COMMENTS_MAX = 5000;
const NAME_MAX = 120;
/** How far a comment's claimed time may be from the room's clock. */
const CLOCK_SKEW_MS = 10 * 60_000;

export const CommentSchema = z.strictObject({
  id: z.string().min(1).max(64),
  node: z.string().min(1).max(ID_MAX),
  author: z.strictObject({ id: z.string().min(1).max(ID_MAX), name: z.string().max(NAME_MAX) }),
  text: z.string().min(1).max(COMMENT_TEXT_MAX),
  at: z.number().finite(),
});
export type Comment = z.infer<typeof CommentSchema>;

export const commentsMap = (doc: Y.Doc) => doc.getMap<Comment>(COMMENTS);
export const commentKey = (node: string, id: string) => `${node}|${id}`;

/** A comment as the app may show it, or null. */
export function parseComment(key: string, value: unknown): Comment | null {
  if (!isPlainJson(value)) return null;
  const c = CommentSchema.safeParse(value);
  return c.success && commentKey(c.data.node, c.data.id) === key ? c.data : null;
}

/** The readable comments on one node, oldest first. */
export function commentsOn(doc: Y.Doc, node: string): Comment[] {
  const out: Comment[] = [];
  for (const [key, value] of commentsMap(doc).entries()) {
    if (!key.startsWith(`${node}|`)) continue;
    const c = parseComment(key, value);
    if (c) out.push(c);
  }
  return out.sort((a, b) => a.at - b.at || a.id.localeCompare(b.id));
}

export interface CommentReviewContext {
  /** Who sent the transaction (the connection's principal). */
  principal: { id: string; name: string };
  now: number;
  /** Whether a node with this id is on the canvas. */
  nodeExists(id: string): boolean;
}

/**
 * Reviews the comment keys one client transaction touched (call inside it): a new comment
 * must be the sender's, on an existing node, valid and within the counts; an existing one
 * is never changed and only its author deletes it. What is refused is set back.
 */
export function reviewComments(
  comments: Y.Map<unknown>,
  touched: Iterable<string>,
  prior: (key: string) => unknown,
  ctx: CommentReviewContext,
): string[] {
  const refusals: string[] = [];
  const keys = [...touched];
  let perNode: Map<string, number> | null = null;
  const countOn = (node: string) => {
    if (!perNode) {
      perNode = new Map();
      for (const key of comments.keys()) {
        const n = key.slice(0, key.lastIndexOf("|"));
        perNode.set(n, (perNode.get(n) ?? 0) + 1);
      }
    }
    return perNode.get(node) ?? 0;
  };
  for (const key of keys) {
    const value = comments.get(key);
    const before = prior(key);
    if (before !== undefined) {
      if (value !== undefined && isPlainJson(value) && JSON.stringify(value) === JSON.stringify(before)) continue;
      const old = parseComment(key, before);
      // Deleting one's own comment is the only change to an existing one.
      if (value === undefined && (!old || old.author.id === ctx.principal.id)) continue;
      comments.set(key, before as Comment);
      refusals.push(
        value === undefined ? `${key}: only its author deletes a comment` : `${key}: comments are not edited`,
      );
      continue;
    }
    if (value === undefined) continue;
    const c = parseComment(key, value);
    const problem = !c
      ? "invalid comment"
      : c.author.id !== ctx.principal.id || c.author.name !== ctx.principal.name.slice(0, NAME_MAX)
        ? "a comment is written in its author's own name"
        : Math.abs(c.at - ctx.now) > CLOCK_SKEW_MS
          ? "a comment's time is the room's"
          : !ctx.nodeExists(c.node)
            ? "no such node"
            : countOn(c.node) > COMMENTS_PER_NODE_MAX
              ? `a node holds at most ${COMMENTS_PER_NODE_MAX} comments`
              : comments.size > COMMENTS_MAX
                ? `the canvas holds at most ${COMMENTS_MAX} comments`
                : null;
    if (!problem) continue;
    comments.delete(key);
    if (c && perNode) (perNode as Map<string, number>).set(c.node, countOn(c.node) - 1);
    refusals.push(`${key.slice(0, 200)}: ${problem}`);
  }
  return refusals;
}
