import { and, asc, eq, isNotNull, lte, min, desc } from "drizzle-orm";
import type { Surface } from "../../../../../shared/approval-reach-words";
import type { ApprovalFigures } from "../../../../../shared/protocol/approvals";
import type { Sql } from "../../../../domain/sql";
import { approvalReach, approvalReachPeople } from "./tables";

/** How an approval's reach stands in the room (one approval_reach row). */
export type ReachRow = typeof approvalReach.$inferSelect;

/** One person an approval was sent to, with the surfaces they were told on. */
export interface ToldPerson {
  principalId: string;
  name: string;
  role: string;
  surfaces: Surface[];
  addedAtStep: number;
  firstToldAt: number | null;
  lastToldAt: number | null;
}

export const reachOf = (sql: Sql, approvalId: string): ReachRow | null =>
  sql.db.select().from(approvalReach).where(eq(approvalReach.approvalId, approvalId)).get() ?? null;

export function putReach(sql: Sql, row: ReachRow): void {
  const { approvalId, ...rest } = row;
  sql.db.insert(approvalReach).values(row).onConflictDoUpdate({ target: approvalReach.approvalId, set: rest }).run();
}

export function toldOf(sql: Sql, approvalId: string): ToldPerson[] {
  return sql.db
    .select()
    .from(approvalReachPeople)
    .where(eq(approvalReachPeople.approvalId, approvalId))
    .orderBy(asc(approvalReachPeople.addedAtStep), asc(approvalReachPeople.firstToldAt))
    .all()
    .map((row) => ({
      principalId: row.principalId,
      name: row.name,
      role: row.role,
      surfaces: row.surfaces ? (row.surfaces.split(",") as Surface[]) : [],
      addedAtStep: row.addedAtStep,
      firstToldAt: row.firstToldAt,
      lastToldAt: row.lastToldAt,
    }));
}

/** Records that a person was told on these surfaces now (they join the approval's list if new). */
export function noteTold(
  sql: Sql,
  approvalId: string,
  person: { principalId: string; name: string; role: string },
  surfaces: readonly Surface[],
  step: number,
  now: number,
): void {
  const known = toldOf(sql, approvalId).find((p) => p.principalId === person.principalId);
  const all = [...new Set([...(known?.surfaces ?? []), ...surfaces])].join(",");
  const told = surfaces.length > 0 ? now : null;
  sql.db
    .insert(approvalReachPeople)
    .values({
      approvalId,
      principalId: person.principalId,
      name: person.name,
      role: person.role,
      surfaces: all,
      addedAtStep: step,
      firstToldAt: told,
      lastToldAt: told,
    })
    .onConflictDoUpdate({
      target: [approvalReachPeople.approvalId, approvalReachPeople.principalId],
      set: {
        surfaces: all,
        firstToldAt: known?.firstToldAt ?? told,
        lastToldAt: told ?? known?.lastToldAt ?? null,
      },
    })
    .run();
}

/** Pending approvals whose next step is due by `now`, oldest due first. */
export const dueReaches = (sql: Sql, now: number): ReachRow[] =>
  sql.db
    .select()
    .from(approvalReach)
    .where(and(eq(approvalReach.status, "pending"), isNotNull(approvalReach.nextAt), lte(approvalReach.nextAt, now)))
    .orderBy(asc(approvalReach.nextAt))
    .all();

export const pendingReaches = (sql: Sql): ReachRow[] =>
  sql.db.select().from(approvalReach).where(eq(approvalReach.status, "pending")).all();

export const nextStepAt = (sql: Sql): number | null =>
  sql.db
    .select({ at: min(approvalReach.nextAt) })
    .from(approvalReach)
    .where(eq(approvalReach.status, "pending"))
    .get()?.at ?? null;

/** The approvals the figures look at: the most recently filed. */
const FIGURES_OVER = 5000;

/** The value below which `share` of the sorted values lie (nearest rank); null for none. */
export function percentile(sorted: readonly number[], share: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.max(1, Math.ceil(share * sorted.length));
  return sorted[Math.min(sorted.length, rank) - 1] ?? null;
}

const spread = (values: number[]) => {
  const sorted = values.sort((a, b) => a - b);
  return { count: sorted.length, p50Ms: percentile(sorted, 0.5), p95Ms: percentile(sorted, 0.95) };
};

/**
 * The workspace's figures from its approval_reach rows (the latest FIGURES_OVER filed): an
 * expired approval counts as told when someone who may decide was told on some surface.
 */
export function figuresOf(sql: Sql): ApprovalFigures {
  const rows = sql.db.select().from(approvalReach).orderBy(desc(approvalReach.filedAt)).limit(FIGURES_OVER).all();
  const count = (pick: (r: ReachRow) => boolean) => rows.filter(pick).length;
  return {
    since: rows.length > 0 ? Math.min(...rows.map((r) => r.filedAt)) : null,
    pending: count((r) => r.status === "pending"),
    decided: count((r) => r.status === "decided"),
    expiredTold: count((r) => r.status === "expired" && r.firstToldAt !== null),
    expiredNobodyTold: count((r) => r.status === "expired" && r.firstToldAt === null),
    nobodyReachable: count((r) => r.everNobody === 1),
    toFirstNotice: spread(rows.flatMap((r) => (r.firstToldAt === null ? [] : [r.firstToldAt - r.filedAt]))),
    toDecision: spread(
      rows.flatMap((r) => (r.status === "decided" && r.endedAt !== null ? [r.endedAt - r.filedAt] : [])),
    ),
  };
}
