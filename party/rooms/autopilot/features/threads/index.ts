import type { MethodParsedParams, MethodResult } from "../../../../../shared/protocol/methods";
import { RoomError } from "../../../../domain/errors";
import { sendChat } from "../../domain/gateway-outbox";
import { goAhead } from "../../domain/run-waiting";
import {
  archiveThread,
  configureThread,
  createThread,
  getThread,
  listMessages,
  newThreadResponder,
  pageThreads,
  renameThread,
} from "../../domain/threads";
import type { RequestContext } from "../../context";
import { readOwnMessage } from "../inbox";
import type { Feature } from "../../kernel/feature";
import { local, methods, mutate, paged, query } from "../../kernel/handlers";

/** Threads and their messages: what people, agents, the Autopilot and gateways say to each other. */
export const threads: Feature = {
  name: "threads",
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
    "chat.abort": local(abortChat),
    // Withdraws what the run waits for; the room resumes it as for any expired approval.
    "chat.goAhead": mutate(goAhead),
  }),
};

/** Stops the thread's reply: the Autopilot's own first, else its gateway's. */
async function abortChat(
  { room, principal }: RequestContext,
  params: MethodParsedParams<"chat.abort">,
): Promise<MethodResult<"chat.abort">> {
  const thread = getThread(room.sql, params.threadId);
  if (!thread) throw new RoomError("not_found", `no thread ${params.threadId}`, { threadId: params.threadId });
  // The Autopilot's own reply (streaming, or waiting for a person's approval) stops first.
  const autopilot = room.agent.abort(thread.id, principal);
  if (autopilot) return autopilot;
  if (!thread.gateway)
    throw new RoomError("conflict", "this thread is not attached to an OpenClaw instance", { threadId: thread.id });
  const bridge = room.bridges.get(thread.gateway.instanceId);
  if (!bridge)
    throw new RoomError("unavailable", `OpenClaw instance ${thread.gateway.instanceId} is not connected`, {
      instanceId: thread.gateway.instanceId,
    });
  return bridge.abort(thread.id);
}
