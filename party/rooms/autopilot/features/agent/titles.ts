// An untitled thread is named after the Autopilot's first reply there: one small model call,
// then `threads.rename` through the room's dispatch as the Autopilot (its idempotency key
// is the thread's, so the title is given once).
import type { LanguageModel } from "ai";
import type { MethodName } from "../../../../../shared/protocol/methods";
import type { Principal } from "../../../../../shared/protocol/principal";
import type { Message } from "../../../../../shared/protocol/threads";
import type { AgentRun } from "./agent-runs";
import { eq } from "drizzle-orm";
import { messagesTable as messages } from "../threads/index";
import type { Sql } from "../../../../domain/sql";
import { getThread } from "../threads/index";
import { messageRecord } from "../../../../records/documents";
import { autopilotPrincipal } from "./autopilot-posts";
import type { ModelConfigured } from "../model/index";
import { speaker, TITLE_INSTRUCTIONS } from "../model/index";
import { cleanTitle, sideCall } from "../model/index";
import type { SpendGate } from "../billing/index";

export interface TitleDeps {
  sql: Sql;
  spend: SpendGate;
  invoke(principal: Principal, method: MethodName, params: Record<string, unknown>): Promise<unknown>;
}

export async function requestTitle(
  deps: TitleDeps,
  input: { config: ModelConfigured; model: LanguageModel; run: AgentRun; reply: Message },
): Promise<void> {
  const { run } = input;
  if (!getThread(deps.sql, run.threadId)?.untitled) return;
  const row = deps.sql.db
    .select({ doc: messages.doc })
    .from(messages)
    .where(eq(messages.id, run.triggerMessageId))
    .get();
  const trigger = row ? messageRecord.decode(row.doc) : null;
  const transcript = `${trigger ? `${speaker(trigger.author)}: ${trigger.text.slice(0, 2000)}\n` : ""}Autopilot: ${input.reply.text.slice(0, 2000)}`;
  const text = await sideCall(
    {
      sql: deps.sql,
      spend: deps.spend,
      config: input.config,
      model: input.model,
      threadId: run.threadId,
      runId: run.id,
      principalId: run.doc.triggeredBy.id,
    },
    "title",
    TITLE_INSTRUCTIONS,
    transcript,
    24,
  );
  const title = text ? cleanTitle(text) : "";
  if (!title || !getThread(deps.sql, run.threadId)?.untitled) return;
  try {
    await deps.invoke(autopilotPrincipal(["read", "write"]), "threads.rename", {
      threadId: run.threadId,
      title,
      idempotencyKey: `ap:title:${run.threadId}`,
    });
  } catch (error) {
    console.error(
      JSON.stringify({
        msg: "autopilot could not title the thread",
        threadId: run.threadId,
        error: error instanceof Error ? error.message : String(error),
      }),
    );
  }
}
