// The ledger's only writer (billing.ts reads it): an entry and, in its transaction, the running
// sums it moves, through statements prepared once per room (every model call writes one entry).
import { type LedgerEntry, NO_ENTRY_DETAILS } from "../../../../../shared/protocol/billing";
import { sql as q } from "drizzle-orm";
import { excluded, param, preparedPerRoom } from "../../../../domain/db/client";
import type { Sql } from "../../../../domain/sql";
import { CommittedMemo } from "../../../../domain/turn-memo";
import { periodOf } from "./config";
import { ledger, ledgerTotals } from "./tables";

/**
 * Whether a month's plan credits are written, as last read (their ids): every model call's
 * check, its charge and the news of it asked storage. Only `appendLedger` writes the ledger,
 * and it tells this memo of a plan entry before writing it, so a read in the same turn (inside
 * a transaction that may still roll back) is not kept, and the next read after it goes to storage.
 */
export const planCredits = new CommittedMemo<string, boolean>(2);

/** A new ledger entry: everything but its row number; absent fields are null. */
export type NewLedgerEntry = Pick<LedgerEntry, "id" | "at" | "kind" | "amount"> & Partial<LedgerEntry>;

/** Writes the entry unless one with its id is there; true when it was written. */
export function appendLedger(sql: Sql, entry: NewLedgerEntry): boolean {
  if (entry.kind === "plan") planCredits.written(sql, entry.id);
  // A detail given as undefined is stored as null, as one not given.
  const row: Record<string, unknown> = { ...NO_ENTRY_DETAILS, ...entry };
  for (const key of Object.keys(row)) row[key] ??= null;
  const result = writes(sql.db).entry.all(row);
  if (result.length === 0) return false;
  // The running sums move with the entry, in its transaction (the ledger has no other writer).
  const sums: [string, number][] = [["balance", entry.amount]];
  if (entry.kind === "usage") {
    const spent = -entry.amount;
    const month = periodOf(entry.at).key;
    sums.push([`spent:workspace:${month}`, spent]);
    if (entry.principalId) sums.push([`spent:key:${entry.principalId}:${month}`, spent]);
    if (entry.projectId) sums.push([`spent:project:${entry.projectId}:${month}`, spent]);
    if (entry.taskId) sums.push([`spent:task:${entry.taskId}`, spent]);
  }
  addTotals(sql, sums);
  return true;
}

/**
 * Adds each amount to its running sum, in one statement: a model call's entry moves up to
 * five sums (the balance, the workspace's month, the key's, the project's, the task's), and
 * one upsert of all of them is one statement where five were.
 */
export function addTotals(sql: Sql, sums: readonly (readonly [string, number])[]): void {
  const moved = sums.filter(([, amount]) => amount !== 0);
  if (moved.length === 0) return;
  const values: Record<string, string | number> = {};
  moved.forEach(([key, amount], i) => {
    values[`key${i}`] = key;
    values[`amount${i}`] = amount;
  });
  writes(sql.db).totals(moved.length).run(values);
}

// Run with every model call's charge: prepared once per room (the sums' upsert once per number of sums).
const writes = preparedPerRoom((db) => {
  const totals = new Map<number, ReturnType<typeof prepareTotals>>();
  const prepareTotals = (count: number) =>
    db
      .insert(ledgerTotals)
      .values(Array.from({ length: count }, (_, i) => ({ key: param(`key${i}`), amount: param(`amount${i}`) })))
      .onConflictDoUpdate({
        target: ledgerTotals.key,
        set: { amount: q`${ledgerTotals.amount} + ${excluded("amount")}` },
      })
      .prepare();
  return {
    entry: db
      .insert(ledger)
      .values({
        id: param("id"),
        at: param("at"),
        kind: param("kind"),
        amount: param("amount"),
        purpose: param("purpose"),
        principalId: param("principalId"),
        runId: param("runId"),
        threadId: param("threadId"),
        projectId: param("projectId"),
        taskId: param("taskId"),
        instanceId: param("instanceId"),
        model: param("model"),
        inputTokens: param("inputTokens"),
        outputTokens: param("outputTokens"),
        seconds: param("seconds"),
        note: param("note"),
      })
      .onConflictDoNothing({ target: ledger.id })
      .returning({ n: ledger.n })
      .prepare(),
    totals: (count: number) => {
      let statement = totals.get(count);
      if (!statement) {
        statement = prepareTotals(count);
        totals.set(count, statement);
      }
      return statement;
    },
  };
});
