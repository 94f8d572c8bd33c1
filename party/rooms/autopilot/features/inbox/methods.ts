import type { MethodParsedParams, MethodResult } from "../../../../../shared/protocol/methods";
import type { Principal } from "../../../../../shared/protocol/principal";
import type { EventPayload } from "../../../../../shared/protocol/events";
import { RoomError } from "../../../../domain/errors";
import { getThread } from "../threads/index";
import type { RequestContext } from "../../kernel/handlers";
import type { PushConfig } from "./push";
import { isPerson } from "../../../../auth/current-access";
import { checkSubscription } from "./push";
import { subscribe, unsubscribe } from "./push-store";
import { itemsNewlyRead, markThreadRead } from "../threads/index";
import { markRead as storeRead, setFollowing, setPreferences } from "./store";
import { inboxOf } from "./view";

// inbox.*: a person's own inbox. Each answers for the asking person only, and each change
// reaches all of that person's open tabs at once (inbox.updated), the asking one included.

/** What the inbox's methods act through of the inbox's own live parts (index.ts gives them). */
export interface InboxParts {
  /** Sends these people's changed inboxes to their tabs. */
  refresh(principalIds: Iterable<string>): void;
  /** Looks at the mail schedule again (a shorter delay may make something due at once). */
  preferencesChanged(): void;
  /** Web Push as configured (null: off). */
  push: PushConfig | null;
  /** One of a principal's read markers moved: tell that principal's own sockets (`thread.read`), nobody else's. */
  readMoved(principalId: string, payload: EventPayload<"thread.read">): void;
}

/** The inbox's methods that change the asking person's own inbox. */
type InboxMethod =
  | "inbox.markRead"
  | "inbox.follow"
  | "inbox.configure"
  | "inbox.pushSubscribe"
  | "inbox.pushUnsubscribe";

function person(principal: Principal): Principal {
  if (!isPerson(principal)) throw new RoomError("forbidden", "only a person has an inbox");
  return principal;
}

export function getInbox(inbox: InboxParts, { room, principal, now }: RequestContext): MethodResult<"inbox.get"> {
  return { inbox: inboxOf(room.sql, person(principal), now, inbox.push?.publicKey ?? null) };
}

/**
 * A change the asking person makes to their own inbox (a person only): `change` makes it, then
 * it reaches all of that person's open tabs.
 */
function ownChange<M extends InboxMethod>(
  change: (inbox: InboxParts, me: Principal, req: RequestContext, params: MethodParsedParams<M>) => MethodResult<M>,
) {
  return (inbox: InboxParts, req: RequestContext, params: MethodParsedParams<M>): MethodResult<M> => {
    const me = person(req.principal);
    const result = change(inbox, me, req, params);
    inbox.refresh([me.id]);
    return result;
  };
}

export const markRead = ownChange<"inbox.markRead">((_inbox, me, { room, now }, params) => {
  if (!params.all && params.keys.length === 0)
    throw new RoomError("bad_request", "give the keys to mark, or all: true");
  const current = inboxOf(room.sql, me, now, null).items.map((item) => item.key);
  storeRead(room.sql, me.id, params.all ? current : params.keys, current, now, params.read);
  return { unread: inboxOf(room.sql, me, now, null).unread };
});

export const follow = ownChange<"inbox.follow">((_inbox, me, { room, now }, params) => {
  if (!getThread(room.sql, params.threadId))
    throw new RoomError("not_found", `no thread ${params.threadId}`, { threadId: params.threadId });
  setFollowing(room.sql, me.id, params.threadId, params.follow, now);
  return { threadId: params.threadId, following: params.follow };
});

export const configure = ownChange<"inbox.configure">((inbox, me, { room, now }, params) => {
  setPreferences(room.sql, me.id, me.name, params.preferences, now);
  // A shorter delay may make something due at once.
  inbox.preferencesChanged();
  return { preferences: params.preferences };
});

/** Subscribes a browser of the calling person to Web Push (push.ts holds it to the push services' hosts). */
export const pushSubscribe = ownChange<"inbox.pushSubscribe">((inbox, me, { room, now }, params) => {
  checkSubscription(params.subscription, inbox.push);
  subscribe(room.sql, me.id, params.subscription, now);
  return { endpoint: params.subscription.endpoint };
});

export const pushUnsubscribe = ownChange<"inbox.pushUnsubscribe">((_inbox, me, { room }, params) => ({
  endpoint: params.endpoint,
  removed: unsubscribe(room.sql, me.id, params.endpoint),
}));

/**
 * `threads.markRead`: moves the caller's read marker of a thread forward (people and agent
 * keys alike). When it moved, the caller's sockets hear of it (`thread.read`, theirs only) and,
 * for a person, the inbox items of that thread it newly covers are read with it.
 */
export function markThreadReadFor(
  inbox: InboxParts,
  { room, principal, now }: RequestContext,
  params: MethodParsedParams<"threads.markRead">,
): MethodResult<"threads.markRead"> {
  if (!getThread(room.sql, params.threadId))
    throw new RoomError("not_found", `no thread ${params.threadId}`, { threadId: params.threadId });
  const { read, movedFrom } = markThreadRead(room.sql, principal.id, params.threadId, params.throughN, now);
  if (movedFrom) {
    inbox.readMoved(principal.id, { threadId: params.threadId, read });
    if (isPerson(principal)) {
      const items = inboxOf(room.sql, principal, now, null).items;
      const keys = itemsNewlyRead(room.sql, items, params.threadId, movedFrom, read);
      if (keys.length > 0) {
        storeRead(
          room.sql,
          principal.id,
          keys,
          items.map((item) => item.key),
          now,
          true,
        );
        inbox.refresh([principal.id]);
      }
    }
  }
  return { threadId: params.threadId, read };
}
