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
