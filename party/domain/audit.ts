import type { AuditEntry } from "../../shared/protocol/audit";
import type { Actor } from "../../shared/protocol/principal";
import type { Sql } from "./sql";

export function appendAudit(sql: Sql, actor: Actor | null, action: string, targetId: string, details: Record<string, unknown>, at: number): void {
  sql.run(`insert into audit (at, doc) values (?, ?)`, at, JSON.stringify({ actor, action, targetId, details }));
}

export function listAudit(sql: Sql, before: number | undefined, limit: number): { entries: AuditEntry[]; hasMore: boolean } {
  const rows = sql.all<{ n: number; at: number; doc: string }>(
    `select n, at, doc from audit where n < ? order by n desc limit ?`,
    before ?? Number.MAX_SAFE_INTEGER,
    limit + 1,
  );
  const entries = rows.slice(0, limit).map((r) => ({ n: r.n, at: r.at, ...JSON.parse(r.doc) }) as AuditEntry);
  return { entries, hasMore: rows.length > limit };
}
