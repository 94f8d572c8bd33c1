import type { Sql } from "./sql";

// A thread's rolling summary: what the Autopilot's context keeps of the messages that no
// longer fit its window (messages up to `throughN` are summarized, never sent again).

export interface ThreadSummary {
  throughN: number;
  text: string;
}

export function getSummary(sql: Sql, threadId: string): ThreadSummary | null {
  const row = sql.one<{ through_n: number; text: string }>(`select through_n, text from thread_summaries where thread_id = ?`, threadId);
  return row ? { throughN: row.through_n, text: row.text } : null;
}

export function putSummary(sql: Sql, threadId: string, summary: ThreadSummary, now: number): void {
  sql.run(
    `insert into thread_summaries (thread_id, through_n, text, updated_at) values (?, ?, ?, ?)
     on conflict (thread_id) do update set through_n = excluded.through_n, text = excluded.text, updated_at = excluded.updated_at`,
    threadId,
    summary.throughN,
    summary.text,
    now,
  );
}
