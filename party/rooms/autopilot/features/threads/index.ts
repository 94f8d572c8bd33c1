import type { Message, Thread } from "../../../../../shared/protocol/threads";
import { ChatPlatform } from "../../../../../shared/protocol/chats";
import { defineFeature } from "../../kernel/feature";
import { methods, mutate, paged, query } from "../../kernel/handlers";
import { countRows } from "../../kernel/paging";
import { threads as threadRows } from "./tables";
import type { OpContext } from "../../kernel/commit";
import { newestN, readOwnMessage } from "./reads";
import {
  archiveThread,
  configureThread,
  createThread,
  listMessages,
  newThreadResponder,
  pageThreads,
  renameThread,
  getThread,
  sendMessage,
} from "./threads";

// What other features use of this one.
export {
  fileById,
  forgetUnattachedFiles,
  recordFile,
  type StoredFile,
  UNATTACHED_FILE_TTL_MS,
  unattachedFiles,
} from "./files";
export { itemsNewlyRead, markerOf, markThreadRead, readOwnMessage, threadReadsOf } from "./reads";
export { getSummary, putSummary } from "./thread-summaries";
export {
  appendMessage,
  createThread,
  getThread,
  messageFromRow,
  requireThread,
  sendMessage,
  threadFromRow,
  updateThread,
} from "./threads";

/**
 * What another feature does with a message as it is sent, in the same transaction (the
 * instances queue a gateway thread's for its gateway, so it reaches it even if the room
 * restarts before the bridge sends it). Threads know nothing of gateways.
 */
export type OnSend = (ctx: OpContext, thread: Thread, message: Message) => void;

/** What a hello's snapshot carries of threads (archived ones too): the newest, within a byte share. */
const SNAPSHOT = { count: 200, bytes: 64 * 1024 } as const;

/** Threads and their messages: what people, agents, the Autopilot and gateways say to each other. */
export const threads = defineFeature({
  name: "threads",
  build: (s) => {
    const onSend: OnSend[] = [];
    // Until the agent says its model is configured, nobody answers new threads.
    let autopilotAnswers = () => false;
    return {
      api: {
        /** Called inside every `chat.send`'s commit, after the message is in its thread. */
        onSend: (hook: OnSend) => void onSend.push(hook),
        /** Whether the Autopilot answers new threads (the agent's: its model is configured). */
        autopilotAnswers: (answers: () => boolean) => {
          autopilotAnswers = answers;
        },
      },
      methods: methods({
        // With a model configured the Autopilot answers new threads (an agent key's only when a
        // person writes @autopilot); without one nobody does. A thread the Autopilot's tool
        // creates gets the defaults of whoever its run acts for.
        "threads.create": mutate((ctx, p) =>
          createThread(
            ctx,
            p,
            null,
            newThreadResponder((ctx.onBehalfOf ?? ctx.actor).kind === "agent", p, autopilotAnswers()),
          ),
        ),
        "threads.configure": mutate(configureThread),
        "threads.rename": mutate(renameThread),
        "threads.archive": mutate(archiveThread),
        "threads.list": query((sql, p) => paged(pageThreads(sql, p), (threads) => ({ threads }))),
        "messages.list": query(listMessages),
        // The sender has read their own message (reads.ts).
        "chat.send": mutate((ctx, p, req) => {
          // Said in a chat bound to the thread (features/chats/, whose entries are named by their platforms): the message says where.
          const chat = ChatPlatform.safeParse(req.via);
          const fromChat = chat.success ? chat.data : undefined;
          const { thread, message, messageCount } = sendMessage(ctx, p, { scheduleId: req.scheduleId, fromChat });
          for (const hook of onSend) hook(ctx, thread, message);
          readOwnMessage(ctx.sql, ctx.principal.id, message.threadId, message.n, messageCount, ctx.now);
          return { message };
        }),
      }),
      // How a thread stands for the sockets that do not view it (kernel/connections/interest.ts).
      bump: (threadId) => {
        const thread = getThread(s.sql, threadId);
        if (!thread) return undefined;
        const { messageCount, lastMessageAt, updatedAt } = thread;
        return { threadId, messageCount, lastMessageAt, updatedAt, lastN: newestN(s.sql, threadId) };
      },
      snapshot: () => {
        const page = pageThreads(s.sql, { includeArchived: true, limit: SNAPSHOT.count }, SNAPSHOT.bytes);
        const left = page.next ? Math.max(0, countRows(s.sql, threadRows) - page.items.length) : 0;
        return { threads: page.items, more: { threads: { left, next: page.next } } };
      },
    };
  },
});

/** Tables of this feature that other features read (the room's schema: party/rooms/autopilot/schema.ts). */
export { files as filesTable, messages as messagesTable, threads as threadsTable } from "./tables";
