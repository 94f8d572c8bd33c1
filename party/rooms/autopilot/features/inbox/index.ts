import type { OpEffects } from "../../domain/context";
import type { Feature } from "../../kernel/feature";
import { local, methods } from "../../kernel/handlers";
import { configure, follow, getInbox, markRead, markThreadReadFor, pushSubscribe, pushUnsubscribe } from "./methods";

export { roomInbox } from "./room-inbox";
export { readOwnMessage, threadReadsOf } from "./reads";

/**
 * People's inboxes: recomputed for whom a commit touched (hub.ts), mailed after a while (mail.ts),
 * pushed (push.ts); and read state per person and agent key (reads.ts), which reads inbox items with it.
 */
export function inbox(parts: {
  hub: { afterCommit(effects: OpEffects): void };
  mail: { run(): Promise<unknown> };
  /** The sender's marker of a thread they just posted in (reads.ts readOwnMessage), to their own sockets. */
  ownMessageSent(principalId: string, threadId: string): void;
}): Feature {
  return {
    name: "inbox",
    methods: methods({
      "inbox.get": local(getInbox),
      "inbox.markRead": local(markRead),
      "inbox.follow": local(follow),
      "inbox.configure": local(configure),
      "inbox.pushSubscribe": local(pushSubscribe),
      "inbox.pushUnsubscribe": local(pushUnsubscribe),
      "threads.markRead": local(markThreadReadFor),
    }),
    afterCommit: (effects) => parts.hub.afterCommit(effects),
    // After the message's own event: the sender's tabs count it read, as the room does.
    answered: {
      "chat.send": ({ principal, payload }) => parts.ownMessageSent(principal.id, payload.message.threadId),
      "sessions.send": ({ principal, payload }) => parts.ownMessageSent(principal.id, payload.message.threadId),
    },
    schedules: { mailInbox: () => parts.mail.run() },
  };
}
