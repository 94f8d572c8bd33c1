import { sendChat } from "../instances/gateway-outbox";
import { goAhead } from "../agent/run-waiting";
import {
  archiveThread,
  configureThread,
  createThread,
  listMessages,
  newThreadResponder,
  pageThreads,
  renameThread,
} from "./threads";
import { readOwnMessage } from "../inbox";
import { defineFeature } from "../../kernel/feature";
import { methods, mutate, paged, query } from "../../kernel/handlers";

/** Threads and their messages: what people, agents, the Autopilot and gateways say to each other. */
export const threads = defineFeature({
  name: "threads",
  build: () => ({
    methods: methods({
      // With a model configured the Autopilot answers new threads (an agent key's only when a
      // person writes @autopilot); without one nobody does. A thread the Autopilot's tool
      // creates gets the defaults of whoever its run acts for.
      "threads.create": mutate((ctx, p, req) =>
        createThread(
          ctx,
          p,
          null,
          newThreadResponder((ctx.onBehalfOf ?? ctx.actor).kind === "agent", p, req.room.modelConfigured()),
        ),
      ),
      "threads.configure": mutate(configureThread),
      "threads.rename": mutate(renameThread),
      "threads.archive": mutate(archiveThread),
      "threads.list": query((sql, p) => paged(pageThreads(sql, p), (threads) => ({ threads }))),
      "messages.list": query(listMessages),
      // The sender has read their own message (features/inbox/reads.ts).
      "chat.send": mutate((ctx, p) => {
        const { message, messageCount } = sendChat(ctx, p);
        readOwnMessage(ctx.sql, ctx.principal.id, message.threadId, message.n, messageCount, ctx.now);
        return { message };
      }),
      // Withdraws what the run waits for; the room resumes it as for any expired approval.
      "chat.goAhead": mutate(goAhead),
    }),
  }),
});
