import type { AuditEntry } from "../../shared/protocol/audit";
import type { Actor } from "../../shared/protocol/principal";
import type { Sql } from "./sql";
import { readable } from "../records/codec";
import { auditRecord } from "../records/documents";

export function appendAudit(sql: Sql, actor: Actor | null, action: string, targetId: string, details: Record<string, unknown>, at: number): void {
  sql.run(`insert into audit (at, doc) values (?, ?)`, at, auditRecord.encode({ actor, action, targetId, details }));
}

export function listAudit(sql: Sql, before: number | undefined, limit: number): { entries: AuditEntry[]; hasMore: boolean } {
  const rows = sql.all<{ n: number; at: number; doc: string }>(`select n, at, doc from audit where n < ? order by n desc limit ?`, before ?? Number.MAX_SAFE_INTEGER, limit + 1);
  const entries = readable(rows.slice(0, limit), (r): AuditEntry => ({ n: r.n, at: r.at, ...auditRecord.decode(r.doc) }));
  return { entries, hasMore: rows.length > limit };
}
