import type { AuditEntry } from "../../../../shared/protocol/audit";
import type { Actor } from "../../../../shared/protocol/principal";
import { desc, lt } from "drizzle-orm";
import { audit } from "../../../domain/db/schema";
import type { Sql } from "../../../domain/sql";
import { readable } from "../../../records/codec";
import { auditRecord } from "../../../records/documents";

export function appendAudit(
  sql: Sql,
  actor: Actor | null,
  action: string,
  targetId: string,
  details: Record<string, unknown>,
  at: number,
): void {
  sql.db
    .insert(audit)
    .values({ at, doc: auditRecord.encode({ actor, action, targetId, details }) })
    .run();
}

export function listAudit(
  sql: Sql,
  before: number | undefined,
  limit: number,
): { entries: AuditEntry[]; hasMore: boolean } {
  const rows = sql.db
    .select({ n: audit.n, at: audit.at, doc: audit.doc })
    .from(audit)
    .where(lt(audit.n, before ?? Number.MAX_SAFE_INTEGER))
    .orderBy(desc(audit.n))
    .limit(limit + 1)
    .all();
  const entries = readable(
    rows.slice(0, limit),
    (r): AuditEntry => ({ n: r.n, at: r.at, ...auditRecord.decode(r.doc) }),
  );
  return { entries, hasMore: rows.length > limit };
}
