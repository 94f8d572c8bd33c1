import { useTogether } from "../stores/together";

/** How many comments a node has (stores/together.ts); nothing when it has none. */
export function CommentCount({ id }: { id: string }) {
  const count = useTogether((s) => s.comments.get(id)?.length ?? 0);
  if (count === 0) return null;
  return (
    <span className="comment-count" title={`${count} comment${count === 1 ? "" : "s"}`}>
      <span aria-hidden>💬</span> {count}
      <span className="sr-only"> comment{count === 1 ? "" : "s"}</span>
    </span>
  );
}
