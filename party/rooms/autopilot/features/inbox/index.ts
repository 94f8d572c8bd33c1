import type { OpEffects } from "../../domain/context";
import type { Feature } from "../../kernel/feature";
import { local, methods } from "../../kernel/handlers";
import { configure, follow, getInbox, markRead, markThreadReadFor, pushSubscribe, pushUnsubscribe } from "./methods";

export { roomInbox } from "./room-inbox";
export { threadReadsOf } from "./reads";

/**
 * People's inboxes: recomputed for whom a commit touched (hub.ts), mailed after a while (mail.ts),
 * pushed (push.ts); and read state per person and agent key (reads.ts), which reads inbox items with it.
 */
export function inbox(parts: {
  hub: { afterCommit(effects: OpEffects): void };
  mail: { run(): Promise<unknown> };
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
    schedules: { mailInbox: () => parts.mail.run() },
  };
}
