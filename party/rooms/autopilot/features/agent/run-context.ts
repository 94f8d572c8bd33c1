// The context of a new run: the thread's messages up to the trigger (after its rolling
// summary) within the token budget, and the instructions with memory and summary. Messages
// that no longer fit are folded into the summary first (one small model call).
import type { ModelMessage, ToolSet } from "ai";
import { listMemory } from "./memory";
import { projectOfThread } from "../projects/index";
import { and, desc, eq, gt, lte } from "drizzle-orm";
import { messages } from "../../../../domain/db/schema";
import type { Sql } from "../../../../domain/sql";
import { getSummary, putSummary } from "../threads/index";
import { messageRecord } from "../../../../records/documents";
import { readable } from "../../../../records/codec";
import { type FileBytes, withAttachments } from "./attachments";
import {
  buildInstructions,
  type ContextMessage,
  messageBudget,
  SUMMARY_INSTRUCTIONS,
  summaryInput,
  threadToModelMessages,
} from "./model-context";
import { type SideCall, sideCall } from "./side-calls";
import { toolSchemaChars } from "./tools";

/** How many of a thread's newest messages a run looks at (the summary holds the rest). */
const THREAD_WINDOW = 400;

/** A run's context is built with the same model and accounting as its side calls (the summary). */
export interface RunContextInput extends SideCall {
  triggerN: number;
  tools: ToolSet;
  abortSignal: AbortSignal;
  /** The bytes of the files the thread's messages carry. */
  files: FileBytes;
}

/** The instructions of a run in `threadId`: the workspace memory, the thread's project (if any) and its summary. */
export function runInstructions(sql: Sql, threadId: string): string {
  return buildInstructions(
    listMemory(sql, { limit: 200 }).entries,
    getSummary(sql, threadId)?.text,
    projectOfThread(sql, threadId),
  );
}

function threadMessages(sql: Sql, threadId: string, afterN: number, throughN: number): ContextMessage[] {
  const rows = sql.db
    .select({ n: messages.n, doc: messages.doc })
    .from(messages)
    .where(and(eq(messages.threadId, threadId), gt(messages.n, afterN), lte(messages.n, throughN)))
    .orderBy(desc(messages.n))
    .limit(THREAD_WINDOW)
    .all();
  return readable(rows, (r): ContextMessage => ({ ...messageRecord.decode(r.doc), n: r.n }));
}

export async function buildRunContext(
  input: RunContextInput,
): Promise<{ instructions: string; messages: ModelMessage[] }> {
  const { sql, threadId } = input;
  const summary = getSummary(sql, threadId);
  let instructions = runInstructions(sql, threadId);
  const budget = messageBudget(input.config.contextTokens, instructions, await toolSchemaChars(input.tools));
  const context = threadToModelMessages(threadMessages(sql, threadId, summary?.throughN ?? 0, input.triggerN), budget);
  if (context.dropped.length > 0) {
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
  // The files take what the thread's messages left of the budget.
  return {
    instructions,
    messages: await withAttachments(
      context.messages,
      context.carried,
      input.files,
      Math.max(0, budget - context.tokens),
    ),
  };
}
