import { and, asc, eq, sql as raw } from "drizzle-orm";
import { MAX_PUSH_SUBSCRIPTIONS, type PushSubscriptionInput } from "../../../../../shared/protocol/inbox";
import { inboxPushSubscriptions } from "./tables";
import { hasRow, param, preparedPerRoom } from "../../../../domain/db/client";
import type { Sql } from "../../../../domain/sql";

// The browsers each person subscribed to Web Push (push.ts sends to them).

export interface StoredSubscription {
  endpoint: string;
  p256dh: string;
  auth: string;
}

// Read by every derivation of an inbox (its push endpoints): prepared once per room.
const subscriptionReads = preparedPerRoom((db) =>
  db
    .select({
      endpoint: inboxPushSubscriptions.endpoint,
      p256dh: inboxPushSubscriptions.p256dh,
      auth: inboxPushSubscriptions.auth,
    })
    .from(inboxPushSubscriptions)
    .where(eq(inboxPushSubscriptions.principalId, param("principalId")))
    // Subscriptions in the same millisecond keep the order they came in.
    .orderBy(asc(inboxPushSubscriptions.at), asc(raw`rowid`))
    .prepare(),
);

/** A person's subscriptions, oldest first (a browser that subscribed again counts from then). */
export function subscriptionsOf(sql: Sql, principalId: string): StoredSubscription[] {
  return subscriptionReads(sql.db).all({ principalId });
}

export const hasSubscriptions = (sql: Sql, principalId: string): boolean =>
  hasRow(sql.db, inboxPushSubscriptions, eq(inboxPushSubscriptions.principalId, principalId));

/**
 * Keeps a browser's subscription (a browser subscribing again replaces its keys). A person
 * keeps at most MAX_PUSH_SUBSCRIPTIONS: the oldest go, since a browser that was reset or
 * thrown away never unsubscribes.
 */
export function subscribe(sql: Sql, principalId: string, sub: PushSubscriptionInput, now: number): void {
  sql.transaction(() => {
    sql.db
      .insert(inboxPushSubscriptions)
      .values({ principalId, endpoint: sub.endpoint, p256dh: sub.keys.p256dh, auth: sub.keys.auth, at: now })
      .onConflictDoUpdate({
        target: [inboxPushSubscriptions.principalId, inboxPushSubscriptions.endpoint],
        set: { p256dh: sub.keys.p256dh, auth: sub.keys.auth, at: now },
      })
      .run();
    const all = subscriptionsOf(sql, principalId);
    for (const old of all.slice(0, Math.max(0, all.length - MAX_PUSH_SUBSCRIPTIONS)))
      unsubscribe(sql, principalId, old.endpoint);
  });
}

/** Removes one subscription; false when there was none. */
export function unsubscribe(sql: Sql, principalId: string, endpoint: string): boolean {
  const where = and(eq(inboxPushSubscriptions.principalId, principalId), eq(inboxPushSubscriptions.endpoint, endpoint));
  const found =
    sql.db.select({ endpoint: inboxPushSubscriptions.endpoint }).from(inboxPushSubscriptions).where(where).get() !==
    undefined;
  if (found) sql.db.delete(inboxPushSubscriptions).where(where).run();
  return found;
}
