import { eq } from "drizzle-orm";
import { excluded, param, preparedPerRoom } from "../../../../domain/db/client";
import { threadSummaries } from "./tables";
import type { Sql } from "../../../../domain/sql";

// A thread's rolling summary: what the Autopilot's context keeps of the messages that no
// longer fit its window (messages up to `throughN` are summarized, never sent again).

export interface ThreadSummary {
  throughN: number;
  text: string;
}

// Every run reads its thread's summary: prepared once per room.
const statements = preparedPerRoom((db) => ({
  summary: db
    .select({ throughN: threadSummaries.throughN, text: threadSummaries.text })
    .from(threadSummaries)
    .where(eq(threadSummaries.threadId, param("threadId")))
    .prepare(),
}));

export function getSummary(sql: Sql, threadId: string): ThreadSummary | null {
  return statements(sql.db).summary.get({ threadId }) ?? null;
}

export function putSummary(sql: Sql, threadId: string, summary: ThreadSummary, now: number): void {
  sql.db
    .insert(threadSummaries)
    .values({ threadId, throughN: summary.throughN, text: summary.text, updatedAt: now })
    .onConflictDoUpdate({
      target: threadSummaries.threadId,
      set: { throughN: excluded("through_n"), text: excluded("text"), updatedAt: excluded("updated_at") },
    })
    .run();
}
