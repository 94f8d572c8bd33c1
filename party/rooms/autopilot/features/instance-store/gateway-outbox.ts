import { z } from "zod";
import { Actor } from "../../../../../shared/protocol/principal";
import type { ChatSendParams, Message, Thread } from "../../../../../shared/protocol/threads";
import type { OpContext } from "../../kernel/commit";
import { instanceActor } from "./gateway-actors";
import { autopilotAnswers } from "../../../../../shared/responder";
import { isPerson } from "../../../../../shared/people";
import { getInstance } from "./instances";
import { and, asc, eq, gt, sql as query } from "drizzle-orm";
import { gatewayOutbox } from "./tables";
import { appendMessage, messagesTable as messages, sendMessage } from "../threads/index";
import { hasRow } from "../../../../domain/db/client";
import type { Sql } from "../../../../domain/sql";

// Room messages on their way to a gateway session: queued with the message, sent by the
// bridge (party/rooms/autopilot/features/gateway-bridge/outbox.ts), marked when the gateway has them.

/**
 * A gateway thread's message is queued for its instance in the same transaction as the
 * message (`chat.send` calls this through the threads' onSend), so it reaches the gateway
 * even if the room restarts before the bridge sends it. Attached to an instance but answered
 * by the Autopilot (protocol 5): OpenClaw is not told. A person's `@autopilot` in an
 * OpenClaw thread is addressed to the Autopilot, which answers it there (decision 75): the
 * gateway's agent is not asked too. The same rule starts the Autopilot's turn.
 */
export function queueIfForGateway(ctx: OpContext, thread: Thread, message: Message): void {
  if (!openClawAnswers(thread)) return;
  const { author, text } = message;
  if (autopilotAnswers(thread.responder, { from: author.kind, text, guest: isGuest(author) })) return;
  queueForGateway(ctx, thread, message);
}

const openClawAnswers = (thread: Thread): boolean => Boolean(thread.gateway) && thread.responder.kind === "openclaw";

/** A chat guest's message carries the guest's own actor: a user whose id is no account's. */
const isGuest = (author: Actor): boolean => author.kind === "user" && !isPerson(author);

/** `sessions.send`'s message: posted as `chat.send` posts, and queued for the gateway (it names the gateway's session). */
export function sendChat(
  ctx: OpContext,
  params: z.output<typeof ChatSendParams>,
): { message: Message; messageCount: number } {
  const { thread, message, messageCount } = sendMessage(ctx, params);
  if (openClawAnswers(thread)) queueForGateway(ctx, thread, message);
  return { message, messageCount };
}

export interface Outbound {
  messageId: string;
  threadId: string;
  instanceId: string;
  sessionKey: string;
  text: string;
  /** The message's files, by id: the bridge reads their bytes when it sends (party/rooms/autopilot/features/gateway-bridge/outbox-files.ts). */
  fileIds: string[];
  /** Who wrote it: the gateway gets it for them, so only while they may still post. */
  author: Actor | null;
}

export function queueForGateway(ctx: OpContext, thread: Thread, message: Message): void {
  const gateway = thread.gateway!;
  const instance = getInstance(ctx.sql, gateway.instanceId);
  if (!instance || instance.status === "stopped") {
    appendMessage(
      ctx,
      thread,
      instanceActor(instance ?? { id: gateway.instanceId, name: gateway.instanceId }),
      `OpenClaw instance ${gateway.instanceId} no longer exists: this message was not sent.`,
      { kind: "error" },
    );
    return;
  }
  ctx.sql.db
    .insert(gatewayOutbox)
    .values({
      messageId: message.id,
      threadId: thread.id,
      instanceId: gateway.instanceId,
      sessionKey: gateway.sessionKey,
      text: message.text,
      fileIds: message.attachments?.length ? JSON.stringify(message.attachments.map((a) => a.id)) : null,
      state: "queued",
      createdAt: ctx.now,
    })
    .run();
}

export function queuedFor(sql: Sql, instanceId: string): Outbound[] {
  return sql.db
    .select({
      messageId: gatewayOutbox.messageId,
      threadId: gatewayOutbox.threadId,
      instanceId: gatewayOutbox.instanceId,
      sessionKey: gatewayOutbox.sessionKey,
      text: gatewayOutbox.text,
      fileIds: gatewayOutbox.fileIds,
      doc: messages.doc,
    })
    .from(gatewayOutbox)
    .leftJoin(messages, eq(messages.id, gatewayOutbox.messageId))
    .where(and(eq(gatewayOutbox.instanceId, instanceId), eq(gatewayOutbox.state, "queued")))
    .orderBy(asc(gatewayOutbox.createdAt))
    .all()
    .map(({ doc, fileIds, ...r }) => ({ ...r, fileIds: idsOf(fileIds), author: authorOf(doc) }));
}

/** The file ids a queued row names (rows queued before files reached gateways have none). */
function idsOf(json: string | null): string[] {
  if (json === null) return [];
  const parsed = z.array(z.string()).safeParse(JSON.parse(json));
  return parsed.success ? parsed.data : [];
}

/** The author of a stored message (retention may have pruned it: then nobody to check). */
function authorOf(doc: string | null): Actor | null {
  if (doc === null) return null;
  const parsed = Actor.safeParse((JSON.parse(doc) as { author?: unknown }).author);
  return parsed.success ? parsed.data : null;
}

/** `sent`: the gateway accepted it (its run id is the message id); `failed`: it refused. */
export function markOutbound(sql: Sql, messageId: string, state: "sent" | "failed"): void {
  sql.db.update(gatewayOutbox).set({ state }).where(eq(gatewayOutbox.messageId, messageId)).run();
}

/** Messages the gateway has, by the message id we sent as its idempotency key. */
export function isOurMessage(sql: Sql, messageId: string): boolean {
  return hasRow(sql.db, gatewayOutbox, eq(gatewayOutbox.messageId, messageId));
}

/**
 * Whether a message sent to the instance's gateway since `since` has no reply in its thread
 * yet (a reply carries the message's id as its run id): its turn runs, maybe before its first
 * streamed token. Sleep must not cut it (decision 78).
 */
export function awaitingReply(sql: Sql, instanceId: string, since: number): boolean {
  const row = sql.db
    .select({ id: gatewayOutbox.messageId })
    .from(gatewayOutbox)
    .where(
      and(
        eq(gatewayOutbox.instanceId, instanceId),
        eq(gatewayOutbox.state, "sent"),
        gt(gatewayOutbox.createdAt, since),
        query`not exists (select 1 from ${messages} where ${messages.threadId} = ${gatewayOutbox.threadId} and ${messages.id} != ${gatewayOutbox.messageId} and json_extract(${messages.doc}, '$.runId') = ${gatewayOutbox.messageId})`,
      ),
    )
    .limit(1)
    .get();
  return row !== undefined;
}
