import type { z } from "zod";
import type { Responder, ThreadsConfigureParams } from "../../../../../shared/protocol/agent";
import type {
  Message,
  Thread,
  ThreadsArchiveParams,
  ThreadsCreateParams,
  ThreadsRenameParams,
} from "../../../../../shared/protocol/threads";
import type { ChatSendParams, MessagesListParams } from "../../../../../shared/protocol/threads";
import type { Actor } from "../../../../../shared/protocol/principal";
import { and, desc, eq, lt } from "drizzle-orm";
import { claimFiles, markAttached } from "./files";
import type { OpContext } from "../../kernel/commit";
import { excluded, param, preparedPerRoom } from "../../../../domain/db/client";
import { messages as messageRows, threads } from "./tables";
import { orNotFound, RoomError } from "../../../../domain/errors";
import type { PageCursor } from "../../../../../shared/protocol/paging";
import { type Page, pageArchivable } from "../../kernel/paging";
import type { Sql } from "../../../../domain/sql";
import { readable } from "../../../../records/codec";
import { messageRecord, threadRecord } from "../../../../records/documents";
import { BoundedMap } from "../../../../domain/bounded-map";
import { TurnMemo } from "../../../../domain/turn-memo";

// Every message reads and rewrites its thread: prepared once per room.
const statements = preparedPerRoom((db) => ({
  thread: db
    .select({ doc: threads.doc })
    .from(threads)
    .where(eq(threads.id, param("id")))
    .prepare(),
  putThread: db
    .insert(threads)
    .values({ id: param("id"), archived: param("archived"), updatedAt: param("updatedAt"), doc: param("doc") })
    .onConflictDoUpdate({
      target: threads.id,
      set: { archived: excluded("archived"), updatedAt: excluded("updated_at"), doc: excluded("doc") },
    })
    .prepare(),
  insertMessage: db
    .insert(messageRows)
    .values({ id: param("id"), threadId: param("threadId"), doc: param("doc") })
    .returning({ n: messageRows.n })
    .prepare(),
}));

/** Threads each room decoded lately: by id, with the stored text each came from. */
const decoded = new WeakMap<Sql, BoundedMap<string, { doc: string; thread: Thread }>>();
/** Threads kept per room: the ones written in lately, and the ones people's inboxes follow. */
const DECODED_KEPT = 256;

/** A stored message row as the protocol has it: its document, with its ordinal from the row. */
export const messageFromRow = (row: { n: number; doc: string }): Message => ({
  ...messageRecord.decode(row.doc),
  n: row.n,
});

/**
 * A message reads its thread up to three times (the request, the post, the Autopilot
 * deciding whether to answer) and decoding a stored record (upgraded and validated) costs
 * more than reading it: a stored text decoded before gives the same thread, shared
 * (frozen: no caller changes a thread in place, they copy it).
 */
export function getThread(sql: Sql, id: string): Thread | null {
  return readThisTurn.read(sql, id, () => readThread(sql, id));
}

/**
 * The threads each room read in the current turn (null: none stored), for the same turn's
 * next reads (a message's request and its post read its thread one after the other),
 * until a thread is written.
 */
const readThisTurn = new TurnMemo<string, Thread | null>();

function readThread(sql: Sql, id: string): Thread | null {
  const row = statements(sql.db).thread.get({ id });
  return row ? threadFromRow(sql, id, row.doc) : null;
}

/**
 * A stored thread decoded: the same (frozen) thread while its stored text is the same. For
 * readers that select thread rows themselves too (an inbox reads every followed thread's).
 */
export function threadFromRow(sql: Sql, id: string, doc: string): Thread {
  let kept = decoded.get(sql);
  const known = kept?.get(id);
  if (known?.doc === doc) return known.thread;
  const thread = Object.freeze(threadRecord.decode(doc));
  if (!kept) {
    kept = new BoundedMap(DECODED_KEPT);
    decoded.set(sql, kept);
  }
  kept.set(id, { doc, thread });
  return thread;
}

export function requireThread(sql: Sql, id: string): Thread {
  return orNotFound(getThread(sql, id), "thread", id);
}

function putThread(sql: Sql, thread: Thread): void {
  statements(sql.db).putThread.run({
    id: thread.id,
    archived: thread.archived ? 1 : 0,
    updatedAt: thread.updatedAt,
    doc: threadRecord.encode(thread),
  });
  readThisTurn.written(sql);
}

/** Most recently updated first, one page from `before` (archived ones only if asked). */
export function pageThreads(
  sql: Sql,
  params: { includeArchived: boolean; limit: number; before?: PageCursor | undefined },
  maxBytes?: number,
): Page<Thread> {
  return pageArchivable(sql, threads, params, (doc) => threadRecord.decode(doc), maxBytes);
}

/** The title of a thread created without one, until the Autopilot names it. */
export const UNTITLED = "New thread";

/** Nobody answers (the room's default when no model is configured). */
export const SILENT: Responder = { kind: "none", reply: "every", agents: false };

/** What `threads.create` may ask of who answers. */
export type AskedResponder = Partial<Pick<z.output<typeof ThreadsCreateParams>, "responder" | "reply" | "agents">>;

/**
 * Who answers a new thread (docs/decisions/018-agents-posts-do-not-wake.md).
 * Not asked for: the Autopilot when a model is configured, else nobody; on every message
 * in a person's thread, only on `@autopilot` in an agent's (a person can still ask it
 * there; the agent's own posts never start a turn). Asked for: that, and an agent that
 * asks for the Autopilot means to talk to it, so its posts do trigger it unless it says not.
 */
export function newThreadResponder(byAgent: boolean, asked: AskedResponder, modelConfigured: boolean): Responder {
  const explicit = asked.responder !== undefined || asked.reply !== undefined || asked.agents !== undefined;
  const kind = asked.responder ?? (modelConfigured ? "autopilot" : "none");
  if (kind === "openclaw")
    throw new RoomError("conflict", "a new thread is not attached to an OpenClaw instance: create it, then attach one");
  return {
    kind,
    reply: asked.reply ?? (byAgent && !explicit ? "mention" : "every"),
    agents: asked.agents ?? (byAgent && explicit && kind === "autopilot"),
  };
}

/**
 * A new thread. Who answers it: the OpenClaw instance it is bound to, else `responder`
 * (`newThreadResponder` for `threads.create`), else nobody.
 */
export function createThread(
  ctx: OpContext,
  params: z.output<typeof ThreadsCreateParams>,
  gateway: Thread["gateway"] = null,
  responder: Responder = SILENT,
): { thread: Thread } {
  const thread: Thread = {
    ...(gateway ? { gateway } : {}),
    id: ctx.newId("thr"),
    title: params.title ?? UNTITLED,
    ...(params.title ? {} : { untitled: true }),
    responder: gateway ? { kind: "openclaw", reply: "every", agents: responder.agents } : responder,
    archived: false,
    createdBy: ctx.actor,
    createdAt: ctx.now,
    updatedAt: ctx.now,
    lastMessageAt: null,
    messageCount: 0,
  };
  putThread(ctx.sql, thread);
  ctx.emit("thread.created", { thread });
  return { thread };
}

export function renameThread(ctx: OpContext, params: z.output<typeof ThreadsRenameParams>): { thread: Thread } {
  // A rename (by anyone) names the thread: the Autopilot no longer titles it.
  const { untitled: _untitled, ...existing } = requireThread(ctx.sql, params.threadId);
  const thread = { ...existing, title: params.title, updatedAt: ctx.now };
  putThread(ctx.sql, thread);
  ctx.emit("thread.renamed", { thread });
  return { thread };
}

export function archiveThread(ctx: OpContext, params: z.output<typeof ThreadsArchiveParams>): { thread: Thread } {
  const existing = requireThread(ctx.sql, params.threadId);
  if (existing.archived === params.archived) return { thread: existing };
  const thread = { ...existing, archived: params.archived, updatedAt: ctx.now };
  putThread(ctx.sql, thread);
  ctx.emit(params.archived ? "thread.archived" : "thread.restored", { thread });
  return { thread };
}

/** `threads.configure`: who answers the thread, when, and whether agents' posts count. OpenClaw answers only a thread attached to an instance. */
export function configureThread(ctx: OpContext, params: z.output<typeof ThreadsConfigureParams>): { thread: Thread } {
  const existing = requireThread(ctx.sql, params.threadId);
  const responder: Responder = {
    kind: params.responder ?? existing.responder.kind,
    reply: params.reply ?? existing.responder.reply,
    agents: params.agents ?? existing.responder.agents,
  };
  if (responder.kind === "openclaw" && !existing.gateway) {
    throw new RoomError("conflict", "this thread is not attached to an OpenClaw instance: attach one first", {
      threadId: existing.id,
    });
  }
  const { kind, reply, agents } = existing.responder;
  if (responder.kind === kind && responder.reply === reply && responder.agents === agents) return { thread: existing };
  return { thread: updateThread(ctx, { ...existing, responder }) };
}

/**
 * A person's or agent's message, and the thread it went into; `messageCount` is the thread's
 * with it (the sender's read marker counts it).
 */
export function sendMessage(
  ctx: OpContext,
  params: z.output<typeof ChatSendParams>,
  from: Pick<Message, "scheduleId" | "fromChat"> = {},
): { thread: Thread; message: Message; messageCount: number } {
  const thread = requireThread(ctx.sql, params.threadId);
  if (thread.archived)
    throw new RoomError("conflict", "thread is archived: restore it before posting", { threadId: thread.id });
  if (params.text.length === 0 && !params.attachments)
    throw new RoomError("bad_request", "a message needs text or attachments", { threadId: thread.id });
  const attachments = params.attachments ? claimFiles(ctx, params.attachments) : undefined;
  const message = appendMessage(ctx, thread, ctx.actor, params.text, {
    ...(attachments ? { attachments } : {}),
    ...(from.scheduleId !== undefined ? { scheduleId: from.scheduleId } : {}),
    ...(from.fromChat !== undefined ? { fromChat: from.fromChat } : {}),
  });
  if (attachments) markAttached(ctx.sql, params.attachments!, message.id);
  return { thread, message, messageCount: thread.messageCount + 1 };
}

type MessageExtras = Pick<Message, "kind" | "runId" | "aborted" | "tool" | "attachments" | "scheduleId" | "fromChat">;

/** Adds a message to a thread (any author: a person, an agent, a gateway reply). */
export function appendMessage(
  ctx: OpContext,
  thread: Thread,
  author: Actor,
  text: string,
  extras: MessageExtras = {},
): Message {
  const id = ctx.newId("msg");
  const draft = { id, threadId: thread.id, author, text, createdAt: ctx.now, ...extras };
  const inserted = statements(ctx.sql.db).insertMessage.get({
    id,
    threadId: thread.id,
    doc: messageRecord.encode(draft),
  });
  if (!inserted) throw new Error(`message ${id} was not stored`);
  const { n } = inserted;
  const message: Message = { ...draft, n };
  putThread(ctx.sql, { ...thread, lastMessageAt: ctx.now, updatedAt: ctx.now, messageCount: thread.messageCount + 1 });
  ctx.emit("message.created", { message });
  return message;
}

/** Replaces a thread's document and tells everyone (`thread.updated`). */
export function updateThread(ctx: OpContext, thread: Thread): Thread {
  const next = { ...thread, updatedAt: ctx.now };
  putThread(ctx.sql, next);
  ctx.emit("thread.updated", { thread: next });
  return next;
}

export function listMessages(
  sql: Sql,
  params: z.output<typeof MessagesListParams>,
): { messages: Message[]; hasMore: boolean } {
  requireThread(sql, params.threadId);
  const rows = sql.db
    .select({ n: messageRows.n, doc: messageRows.doc })
    .from(messageRows)
    .where(and(eq(messageRows.threadId, params.threadId), lt(messageRows.n, params.before ?? Number.MAX_SAFE_INTEGER)))
    .orderBy(desc(messageRows.n))
    .limit(params.limit + 1)
    .all();
  const messages = readable(rows.slice(0, params.limit).reverse(), messageFromRow);
  return { messages, hasMore: rows.length > params.limit };
}
