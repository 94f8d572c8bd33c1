import { z } from "zod";
import { Approval } from "./approvals";
import { EntityId, MAX_MESSAGE_TEXT, mutatingParams, Title } from "./common";
import { InstanceId } from "./instances";
import { Message, Thread } from "./threads";

/**
 * Protocol 7, `instances.startChat`: one consent from a first message to a running chat.
 * The message is posted at once (in `threadId`, or in a new thread titled `title`); the
 * answer carries the provision approval a person must decide. Once approved the room
 * provisions `instanceId`, attaches the thread when the gateway is ready and sends the
 * message to it exactly once; `thread.chatStart` follows each step.
 */
export const InstancesStartChatParams = mutatingParams({
  instanceId: InstanceId,
  name: z.string().trim().min(1).max(80).optional(),
  threadId: EntityId.optional(),
  title: Title.optional(),
  text: z.string().trim().min(1).max(MAX_MESSAGE_TEXT),
});
export const InstancesStartChatResult = z.object({ approval: Approval, thread: Thread, message: Message });
