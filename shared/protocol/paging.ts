import { z } from "zod";
import { EntityId, Timestamp } from "./common";

/**
 * Where a list page ended (protocol 7): the sort time and id of its last item. Lists are
 * newest first, so the next page is everything strictly before it. A cursor names a
 * position, not a snapshot: items that change between pages arrive as events anyway.
 */
export const PageCursor = z.object({ at: Timestamp, id: EntityId });
export type PageCursor = z.infer<typeof PageCursor>;

/**
 * What a bounded hello left out of one collection (protocol 7): how many items, and the
 * cursor to list them from with the collection's list method.
 */
export const SnapshotRemainder = z.object({ left: z.number().int().nonnegative(), next: PageCursor.nullable() });
export type SnapshotRemainder = z.infer<typeof SnapshotRemainder>;

/**
 * A list method's params (protocol 7): its filters, a page of at most `max` items (`size` when
 * the client does not say), and `before`, to continue after a page's `next`. Absent params
 * list the first page with every filter at its default.
 */
export function pageParams<Filters extends z.ZodRawShape>(filters: Filters, page: { max: number; size: number }) {
  const params = z.object({
    ...filters,
    limit: z.number().int().min(1).max(page.max).default(page.size),
    before: PageCursor.optional(),
  });
  // What the schema makes of nothing: the first page, every filter at its default. (The cast
  // is for TypeScript, which cannot tell a generic object's parse is never undefined.)
  return params.default(params.parse({}) as z.core.util.NoUndefined<z.output<typeof params>>);
}
