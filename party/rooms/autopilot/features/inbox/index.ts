import { defineFeature } from "../../kernel/feature";
import { local, methods } from "../../kernel/handlers";
import {
  configure,
  follow,
  getInbox,
  type InboxParts,
  markRead,
  markThreadReadFor,
  pushSubscribe,
  pushUnsubscribe,
} from "./methods";
import { threadReadsOf } from "../threads/index";
import { roomInbox } from "./room-inbox";
import { decisionLinks } from "../decision-links";
import { billing } from "../billing/index";

// What other features use of this one.
export { forgetCommunityMentions, noteCommunityMention } from "./community-mentions";
export { preferences } from "./store";
export { reachableBy } from "./remind";

/**
 * People's inboxes: recomputed for whom a commit touched (hub.ts), mailed after a while (mail.ts),
 * pushed (push.ts); and read state per person and agent key (reads.ts), which reads inbox items with it.
 */
export const inbox = defineFeature({
  name: "inbox",
  schedules: ["mailInbox"],
  needs: [decisionLinks, billing],
  build: (s, { decisionLinks }) => {
    const parts = roomInbox({
      env: s.env,
      name: s.workspaceId,
      scheduler: s.scheduler,
      sockets: s.sockets,
      room: {
        sql: s.sql,
        presence: () => s.clients.presence(),
        connected: (id) => s.clients.connected(id),
        connectedOf: (id) => s.clients.connectedOf(id),
        currentAccess: s.currentAccess,
      },
      send: (conn, text) => s.clients.send(conn, text),
      toPrincipal: (principalId, event, payload) => s.toPrincipal(principalId, event, payload),
      decisionLink: (approvalId, person) => decisionLinks.mint(approvalId, person),
    });
    // What the inbox's methods act through (methods.ts).
    const own: InboxParts = {
      refresh: (ids) => parts.hub.refresh(ids),
      preferencesChanged: () => parts.mail.soon(Date.now(), true),
      push: parts.pushConfig,
      readMoved: (principalId, payload) => parts.readMoved(principalId, payload),
    };
    return {
      api: {
        /** These people's inboxes again (a mention in the community noted or gone). */
        refresh: (principalIds: Iterable<string>) => parts.hub.refresh(principalIds),
        /** Everyone's again: access changed. */
        refreshEveryone: () => parts.hub.refreshEveryone(),
        /** Sends an approval to one person by mail or push now (remind.ts); true when it went. */
        remind: parts.remind,
        /** Whether the person has a tab open now (a socket whose close is not under way). */
        connected: (principalId: string) =>
          parts.socketsOf(principalId).some(({ conn }) => conn.readyState === WebSocket.OPEN),
        /** Whether Web Push is configured here. */
        pushOn: parts.pushConfig !== null,
      },
      // The principal's read markers, on every hello: a resume may have missed their moves.
      hello: (principal) => ({ reads: threadReadsOf(s.sql, principal.id) }),
      joined: (conn, principal, request) => parts.hub.greet(conn, principal, parts.originOf(request), Date.now()),
      methods: methods({
        "inbox.get": local((req) => getInbox(own, req)),
        "inbox.markRead": local((req, p) => markRead(own, req, p)),
        "inbox.follow": local((req, p) => follow(own, req, p)),
        "inbox.configure": local((req, p) => configure(own, req, p)),
        "inbox.pushSubscribe": local((req, p) => pushSubscribe(own, req, p)),
        "inbox.pushUnsubscribe": local((req, p) => pushUnsubscribe(own, req, p)),
        "threads.markRead": local((req, p) => markThreadReadFor(own, req, p)),
      }),
      afterCommit: (effects) => parts.hub.afterCommit(effects),
      reactions: {
        // A money alert crossed or gone: owners' and admins' inboxes again, and mail and push look.
        "billing.alerts": () => {
          parts.hub.refreshEveryone();
          parts.mail.soon();
          void parts.push.sweep();
        },
      },
      // After the message's own event: the sender's tabs count it read, as the room does.
      answered: {
        "chat.send": ({ principal, payload }) => parts.ownMessageSent(principal.id, payload.message.threadId),
        "sessions.send": ({ principal, payload }) => parts.ownMessageSent(principal.id, payload.message.threadId),
      },
      schedules: { mailInbox: () => parts.mail.run() },
    };
  },
});

/** Tables of this feature that other features read (the room's schema: party/rooms/autopilot/schema.ts). */
export {
  inboxMailed as inboxMailedTable,
  inboxPeople as inboxPeopleTable,
  inboxPushed as inboxPushedTable,
} from "./tables";
