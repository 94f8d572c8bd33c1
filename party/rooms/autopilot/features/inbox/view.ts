import type { Inbox } from "../../../../../shared/protocol/inbox";
import type { Principal } from "../../../../../shared/protocol/principal";
import type { Sql } from "../../../../domain/sql";
import { deriveItems, type PendingForInbox, type RepliesMemo } from "./derive";
import { subscriptionsOf } from "./push-store";
import { followedThreads, preferences, readKeys } from "./store";

/**
 * A person's inbox as it stands now: derived items, their read state, preferences,
 * follows, and Web Push (the room's public key, null when push is not configured, and the
 * endpoints this person subscribed). `memo`: derive.ts RepliesMemo.
 */
export function inboxOf(
  sql: Sql,
  person: Principal,
  now: number,
  pushKey: string | null,
  pending?: PendingForInbox,
  memo?: RepliesMemo,
): Inbox {
  const read = readKeys(sql, person.id);
  // Read once: the items' replies and the inbox's `following` both come from them.
  const follows = followedThreads(sql, person.id);
  const items = deriveItems(sql, person, now, pending, memo, follows).map((item) => ({
    ...item,
    read: read.has(item.key),
  }));
  return {
    items,
    unread: items.filter((item) => !item.read).length,
    preferences: preferences(sql, person.id),
    following: follows.map((f) => f.threadId),
    push: { publicKey: pushKey, endpoints: subscriptionsOf(sql, person.id).map((s) => s.endpoint) },
  };
}
