import type { z } from "zod";
import type { Approval } from "../../../../../shared/protocol/approvals";
import type { InstancesStartChatParams } from "../../../../../shared/protocol/chat-start";
import type { ThreadChatStart } from "../../../../../shared/protocol/gateway";
import type { Message, Thread } from "../../../../../shared/protocol/threads";
import { getApproval } from "../approvals/index";
import type { OpContext } from "../../kernel/commit";
import { RoomError } from "../../../../domain/errors";
import {
  attachInstance,
  getInstance,
  instanceActor,
  queueForGateway,
  requestInstanceOperation,
} from "../instance-store";
import { asc, eq } from "drizzle-orm";
import { chatStarts } from "./tables";
import {
  appendMessage,
  createThread,
  messageFromRow,
  messagesTable as messages,
  requireThread,
  updateThread,
} from "../threads/index";
import { hasRow } from "../../../../domain/db/client";
import type { Sql } from "../../../../domain/sql";

// `instances.startChat` (protocol 7): one approval from a first message to a running chat.
// The open starts live in `chat_starts` (one per thread); each thread's `chatStart` shows
// where its start is. `advanceChatStarts` moves every open start along from what the
// approval and the instance say now, so it may run after any change, any number of times:
// a start is closed (its row deleted) in the same transaction that queues its message or
// says why it failed, which is what makes the message go out exactly once.

interface OpenStart {
  threadId: string;
  approvalId: string;
  instanceId: string;
  messageId: string;
}

/** Posts the first message and files the one provision approval for it. */
export function startChat(
  ctx: OpContext,
  params: z.output<typeof InstancesStartChatParams>,
  /** The operator's price of an instance hour, said in the approval. */
  hourly?: number,
): { approval: Approval; thread: Thread; message: Message } {
  let thread = params.threadId
    ? requireThread(ctx.sql, params.threadId)
    : createThread(ctx, { title: params.title ?? "Chat with OpenClaw", idempotencyKey: params.idempotencyKey }).thread;
  if (thread.archived)
    throw new RoomError("conflict", "thread is archived: restore it before posting", { threadId: thread.id });
  if (thread.gateway)
    throw new RoomError("conflict", `thread is attached to instance ${thread.gateway.instanceId} already`, {
      threadId: thread.id,
      instanceId: thread.gateway.instanceId,
    });
  if (openStartOf(ctx.sql, thread.id))
    throw new RoomError("conflict", "an OpenClaw instance is being started for this thread already", {
      threadId: thread.id,
    });
  const name = params.name ?? params.instanceId;
  // Checks the instance (conflict if it exists) before anything is written.
  const { approval } = requestInstanceOperation(
    ctx,
    "provision",
    { instanceId: params.instanceId, name, idempotencyKey: params.idempotencyKey },
    {
      forThread: {
        threadId: thread.id,
        details: `Once it is ready it answers in the thread "${thread.title}", starting with the message waiting there.`,
      },
      hourly,
    },
  );
  thread = requireThread(ctx.sql, thread.id);
  const message = appendMessage(ctx, thread, ctx.actor, params.text);
  ctx.sql.db
    .insert(chatStarts)
    .values({
      threadId: thread.id,
      approvalId: approval.id,
      instanceId: params.instanceId,
      messageId: message.id,
      createdAt: ctx.now,
    })
    .run();
  const start: ThreadChatStart = {
    instanceId: params.instanceId,
    approvalId: approval.id,
    messageId: message.id,
    state: "waiting",
    error: null,
  };
  return { approval, thread: updateThread(ctx, { ...requireThread(ctx.sql, thread.id), chatStart: start }), message };
}

const OPEN_START = {
  threadId: chatStarts.threadId,
  approvalId: chatStarts.approvalId,
  instanceId: chatStarts.instanceId,
  messageId: chatStarts.messageId,
};

function openStartOf(sql: Sql, threadId: string): OpenStart | null {
  return sql.db.select(OPEN_START).from(chatStarts).where(eq(chatStarts.threadId, threadId)).get() ?? null;
}

function openStarts(sql: Sql): OpenStart[] {
  return sql.db.select(OPEN_START).from(chatStarts).orderBy(asc(chatStarts.createdAt)).all();
}

/** True when a start is open (the room runs `advanceChatStarts` only then). */
export function hasOpenChatStarts(sql: Sql): boolean {
  return hasRow(sql.db, chatStarts);
}

/** Why a decided approval started nothing, in the thread's words. */
function notStartedReason(approval: Approval): string | null {
  if (approval.status === "denied")
    return `${approval.resolvedBy?.name ?? "a person"} denied it${approval.note ? ` (“${approval.note}”)` : ""}`;
  if (approval.status === "expired") return approval.note ?? "nobody approved it in time";
  return null;
}

/**
 * Moves every open start along: approved → `starting`; instance ready → attach the
 * thread, queue the first message for the gateway, `ready`; denied, expired, failed or
 * deleted → `failed`, with an error message in the thread saying the message was not sent.
 * Returns the instances whose gateway got a message to send.
 */
export function advanceChatStarts(ctx: OpContext): string[] {
  const queued: string[] = [];
  for (const start of openStarts(ctx.sql)) {
    const approval = getApproval(ctx.sql, start.approvalId);
    const refused = approval ? notStartedReason(approval) : "its approval is gone";
    if (refused) {
      fail(ctx, start, `OpenClaw was not started: ${refused}.`);
      continue;
    }
    if (approval?.status !== "approved") continue;
    const instance = getInstance(ctx.sql, start.instanceId);
    if (!instance || instance.status === "provisioning" || instance.status === "starting") {
      setState(ctx, start, "starting", null);
      continue;
    }
    if (instance.status === "error") {
      fail(ctx, start, `OpenClaw did not start: ${instance.error ?? "the gateway failed"}.`);
      continue;
    }
    if (instance.status === "stopped") {
      fail(ctx, start, `OpenClaw instance ${instance.name} was deleted before it was ready.`);
      continue;
    }
    const thread = requireThread(ctx.sql, start.threadId);
    if (thread.gateway && thread.gateway.instanceId !== instance.id) {
      fail(
        ctx,
        start,
        `This thread was attached to OpenClaw instance ${thread.gateway.instanceId} meanwhile, so ${instance.name} does not answer here.`,
      );
      continue;
    }
    attachInstance(
      ctx,
      { instanceId: instance.id, threadId: start.threadId, idempotencyKey: `chat-start-${start.approvalId}` },
      true,
    );
    const row = ctx.sql.db
      .select({ n: messages.n, doc: messages.doc })
      .from(messages)
      .where(eq(messages.id, start.messageId))
      .get();
    if (row) {
      queueForGateway(ctx, requireThread(ctx.sql, start.threadId), messageFromRow(row));
      queued.push(instance.id);
    }
    setState(ctx, start, "ready", null);
  }
  return queued;
}

/** Writes the thread's `chatStart`; a closing state (`ready`, `failed`) also closes the start. */
function setState(ctx: OpContext, start: OpenStart, state: ThreadChatStart["state"], error: string | null): void {
  if (state === "ready" || state === "failed")
    ctx.sql.db.delete(chatStarts).where(eq(chatStarts.threadId, start.threadId)).run();
  const thread = requireThread(ctx.sql, start.threadId);
  const next: ThreadChatStart = {
    instanceId: start.instanceId,
    approvalId: start.approvalId,
    messageId: start.messageId,
    state,
    error,
  };
  const current = thread.chatStart;
  if (current && current.state === next.state && current.error === next.error && current.approvalId === next.approvalId)
    return;
  updateThread(ctx, { ...thread, chatStart: next });
}

function fail(ctx: OpContext, start: OpenStart, reason: string): void {
  const thread = requireThread(ctx.sql, start.threadId);
  // Named as the approval named it: a denied start never had an instance to take the name from.
  const action = getApproval(ctx.sql, start.approvalId)?.action;
  const name =
    getInstance(ctx.sql, start.instanceId)?.name ??
    (action?.kind === "instance" ? action.name : undefined) ??
    start.instanceId;
  appendMessage(ctx, thread, instanceActor({ id: start.instanceId, name }), `${reason} Your message was not sent.`, {
    kind: "error",
  });
  setState(ctx, start, "failed", reason);
}
