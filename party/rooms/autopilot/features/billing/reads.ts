// The reads the spend gate and every money commit's news make, before and after each model
// call (billing.ts): prepared once per room rather than built per read.
import { and, eq, gte, sum } from "drizzle-orm";
import { param, preparedPerRoom } from "../../../../domain/db/client";
import { budgetRaises, budgets, ledger, ledgerTotals } from "./tables";

export const reads = preparedPerRoom((db) => ({
  total: db
    .select({ amount: ledgerTotals.amount })
    .from(ledgerTotals)
    .where(eq(ledgerTotals.key, param("key")))
    .prepare(),
  all: db.select({ scope: budgets.scope, subjectId: budgets.subjectId, limit: budgets.limit }).from(budgets).prepare(),
  limit: db
    .select({ limit: budgets.limit })
    .from(budgets)
    .where(and(eq(budgets.scope, param("scope")), eq(budgets.subjectId, param("subjectId"))))
    .prepare(),
  raisedSince: db
    .select({ total: sum(budgetRaises.amount) })
    .from(budgetRaises)
    .where(
      and(
        eq(budgetRaises.scope, param("scope")),
        eq(budgetRaises.subjectId, param("subjectId")),
        gte(budgetRaises.at, param("since")),
      ),
    )
    .prepare(),
  raisedEver: db
    .select({ total: sum(budgetRaises.amount) })
    .from(budgetRaises)
    .where(and(eq(budgetRaises.scope, param("scope")), eq(budgetRaises.subjectId, param("subjectId"))))
    .prepare(),
  entry: db
    .select({ n: ledger.n })
    .from(ledger)
    .where(eq(ledger.id, param("id")))
    .prepare(),
}));
