import { eq } from "drizzle-orm";
import type { NameLookup } from "../../../../shared/approval-summary";
import { readable } from "../../../records/codec";
import { instanceRecord, jobRecord, threadRecord } from "../../../records/documents";
import { instances, jobs, threads } from "../../../domain/db/schema";
import type { Sql } from "../../../domain/sql";

/**
 * The names the room knows for ids, read straight from the tables (not through the
 * modules that own them, which themselves file approvals): a thread's title, an
 * instance's name, a job's title. Null for an id it does not hold or cannot read.
 */
export function roomNames(sql: Sql): NameLookup {
  const one = <T>(rows: { doc: string }[], decode: (doc: string) => T): T | null => readable(rows, (r) => decode(r.doc))[0] ?? null;
  return {
    thread: (id) => one(sql.db.select({ doc: threads.doc }).from(threads).where(eq(threads.id, id)).all(), threadRecord.decode)?.title ?? null,
    instance: (id) => one(sql.db.select({ doc: instances.doc }).from(instances).where(eq(instances.id, id)).all(), instanceRecord.decode)?.name ?? null,
    job: (id) => one(sql.db.select({ doc: jobs.doc }).from(jobs).where(eq(jobs.id, id)).all(), jobRecord.decode)?.title ?? null,
  };
}
