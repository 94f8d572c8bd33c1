// The context of a new run: the thread's messages up to the trigger (after its rolling
// summary) within the token budget, and the instructions with memory and summary. Messages
// that no longer fit are folded into the summary first (one small model call).
import type { ModelMessage, ToolSet } from "ai";
import { memoryForInstructions } from "../memory/index";
import { projectOfThread } from "../projects/index";
import { and, desc, eq, gt, lte } from "drizzle-orm";
import { messagesTable as messages } from "../threads/index";
import type { Sql } from "../../../../domain/sql";
import { param, preparedPerRoom } from "../../../../domain/db/client";
import { getSummary, messageFromRow, putSummary } from "../threads/index";
import { readable } from "../../../../records/codec";
import { type FileBytes, withAttachments } from "../model/index";
import {
  buildInstructions,
  type ContextMessage,
  ANSWERED_FILES_FLOOR_TOKENS,
  messageBudget,
  SUMMARY_INSTRUCTIONS,
  summaryInput,
  threadToModelMessages,
} from "../model/index";
import { type SideCall, sideCall } from "../model/index";
import { toolSchemaChars } from "../toolset/index";

/** How many of a thread's newest messages a run looks at (the summary holds the rest). */
const THREAD_WINDOW = 400;

/** A run's context is built with the same model and accounting as its side calls (the summary). */
export interface RunContextInput extends SideCall {
  triggerN: number;
  /** A guest's run: the thread as its chat sees it (no tool calls), no summary, no memory or brief. */
  guest?: boolean;
  tools: ToolSet;
  abortSignal: AbortSignal;
  /** The bytes of the files the thread's messages carry. */
  files: FileBytes;
}

/**
 * The instructions of a run in `threadId`: the workspace memory, the thread's project (if any)
 * and its summary. A guest's run gets none of them: the memory and the project's brief are the
 * workspace's, and the summary folds in the tool calls that stay in the app.
 */
export function runInstructions(sql: Sql, threadId: string, guest = false): string {
  if (guest) return buildInstructions([], null, null, GUEST_NOTE);
  return buildInstructions(memoryForInstructions(sql), getSummary(sql, threadId)?.text, projectOfThread(sql, threadId));
}

/** What a guest's run is told about whom it answers (data like the rest: the defence is its tools' policy). */
const GUEST_NOTE =
  "You are answering a guest in the chat bound to this thread: not a member of the workspace. Use only this thread's messages; anything else (other threads, memory, the audit log, posting elsewhere) waits for a person's approval, so say what you would need instead of asking for it.";

// Every run reads its thread's window: prepared once per room.
const threadWindow = preparedPerRoom((db) => ({
  messages: db
    .select({ n: messages.n, doc: messages.doc })
    .from(messages)
    .where(
      and(
        eq(messages.threadId, param("threadId")),
        gt(messages.n, param("afterN")),
        lte(messages.n, param("throughN")),
      ),
    )
    .orderBy(desc(messages.n))
    .limit(THREAD_WINDOW)
    .prepare(),
}));

function threadMessages(sql: Sql, threadId: string, afterN: number, throughN: number): ContextMessage[] {
  const rows = threadWindow(sql.db).messages.all({ threadId, afterN, throughN });
  return readable(rows, messageFromRow);
}

export async function buildRunContext(
  input: RunContextInput,
): Promise<{ instructions: string; messages: ModelMessage[] }> {
  const { sql, threadId } = input;
  const guest = input.guest === true;
  const summary = guest ? null : getSummary(sql, threadId);
  let instructions = runInstructions(sql, threadId, guest);
  const budget = messageBudget(input.config.contextTokens, instructions, await toolSchemaChars(input.tools));
  const read = threadMessages(sql, threadId, summary?.throughN ?? 0, input.triggerN);
  const context = threadToModelMessages(guest ? read.filter((m) => m.kind !== "tool") : read, budget);
  // A guest's run leaves what did not fit out: a summary it wrote would lack the thread's tool calls.
  if (context.dropped.length > 0 && !guest) {
    const text = await sideCall(
      input,
      "summary",
      SUMMARY_INSTRUCTIONS,
      summaryInput(summary?.text, context.dropped),
      512,
    );
    if (text?.trim()) {
      putSummary(
        sql,
        threadId,
        { throughN: Math.max(...context.dropped.map((m) => m.n)), text: text.trim() },
        Date.now(),
      );
      instructions = runInstructions(sql, threadId);
    }
  }
  // The files take what the thread's messages left of the budget, newest first; however little
  // the tools left, the message being answered keeps room for a few of its files (a floor, as
  // its text has), so a person's attachment is not silently dropped.
  return {
    instructions,
    messages: await withAttachments(
      context.messages,
      context.carried,
      input.files,
      Math.max(ANSWERED_FILES_FLOOR_TOKENS, budget - context.tokens),
    ),
  };
}
