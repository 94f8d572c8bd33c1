// The ledger written inside the room's commit, in the real room's SQLite (workerd): a model
// call's entry, the running sums it moves, the record of an endpoint's over-report and the
// news of the change are one commit. A failure of the storage after the entry's row was
// written (a trigger refuses the running sums) leaves none of them, and nothing is told.
import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { type Sql, sqlFromStorage } from "../../../../domain/sql";
import { commitTo, listAudit, type OpEffects } from "../../kernel/commit";
import { appendLedger, balanceOf, billingState, creditedBalance, ledgerEntries } from "./billing";
import { readBillingConfig } from "./config";
import { tellChanged } from "./news";
import { SpendGate } from "./spend-gate";

const rooms = (env as unknown as { Autopilot: DurableObjectNamespace }).Autopilot;

/** Runs `test` inside a new room, with its SQL and a commit whose published effects it keeps. */
function inNewRoom(
  test: (room: { sql: Sql; commit: ReturnType<typeof commitTo>; published: OpEffects[] }) => void,
): Promise<void> {
  const room = rooms.get(rooms.idFromName(`ledger-${crypto.randomUUID()}`));
  return runInDurableObject(room, (_room, state) => {
    const sql = sqlFromStorage(state.storage);
    const published: OpEffects[] = [];
    test({ sql, commit: commitTo(sql, 1000, (effects) => published.push(effects)), published });
  });
}

describe("the ledger is written in the commit of its change", () => {
  it("a model call's entry, its running sums, its over-report and its news: a failure after the entry leaves none of them", async () => {
    await inNewRoom(({ sql, commit, published }) => {
      const config = readBillingConfig({});
      const gate = new SpendGate({ sql, commit }, config, (ctx) => tellChanged(ctx, config));
      commit(null, (ctx) => appendLedger(ctx.sql, { id: "grant:start", at: ctx.now, kind: "grant", amount: 1000 }));
      const verdict = gate.check({ principalId: "user_1", projectId: null, taskId: null }, 50);
      if (verdict.kind !== "ok") throw new Error(`the call was not let through: ${verdict.kind}`);
      // The state and the check only read: the month's plan credits count, and are written by the
      // charge's commit.
      expect(billingState(sql, config, Date.now()).balance).toBe(
        1000 + config.plans[config.defaultPlan]!.includedCredits,
      );
      expect(ledgerEntries(sql, { kind: "plan", limit: 10 }).items).toEqual([]);
      const balance = () => creditedBalance(sql, config, Date.now());
      const before = balance();
      // The endpoint reports far more than the call could use: charged its worst case, the report audited.
      const call = {
        id: "reply:run_1:call_1",
        at: Date.now(),
        purpose: "reply" as const,
        model: "any-model",
        inputTokens: 5_000_000,
        outputTokens: 5_000_000,
        ended: "answered" as const,
        runId: "run_1",
        threadId: null,
      };
      const told = published.length;

      sql.run(
        "CREATE TRIGGER refuse_totals BEFORE INSERT ON ledger_totals BEGIN SELECT RAISE(ABORT, 'the disk is full'); END",
      );
      expect(() => gate.recordModelCall(verdict.reservation, call)).toThrow("the disk is full");
      sql.run("DROP TRIGGER refuse_totals");
      expect(ledgerEntries(sql, { kind: "usage", limit: 10 }).items).toEqual([]);
      expect(ledgerEntries(sql, { kind: "plan", limit: 10 }).items).toEqual([]);
      expect(balance()).toBe(before);
      expect(listAudit(sql, undefined, 50).entries.map((e) => e.action)).not.toContain("billing.overreport");
      expect(published.length).toBe(told);

      // Again with the storage well: the entry once, the balance moved by it, the report, the news.
      expect(gate.recordModelCall(verdict.reservation, call)).toBe(50);
      expect(ledgerEntries(sql, { kind: "usage", limit: 10 }).items.map((e) => [e.id, e.amount])).toEqual([
        [call.id, -50],
      ]);
      expect(balance()).toBe(before - 50);
      expect(balanceOf(sql)).toBe(before - 50);
      expect(ledgerEntries(sql, { kind: "plan", limit: 10 }).items).toHaveLength(1);
      expect(listAudit(sql, undefined, 50).entries.map((e) => e.action)).toContain("billing.overreport");
      const news = published.slice(told).flatMap((effects) => effects.news);
      expect(news.map((n) => n.news)).toEqual(["billing.changed"]);
      const [changed] = news;
      if (changed?.news !== "billing.changed") throw new Error("the change was not told");
      // What the alerts and the meters read (first, so it is read on its own) is the state's own figures.
      const money = changed.payload.money;
      expect(money.balance).toBe(before - 50);
      const { period, balance: left, budgets, alerts } = changed.payload.state;
      expect(money).toEqual({ period, balance: left, budgets, alerts });
      expect(left).toBe(before - 50);
    });
  });

  it("a commit inside another commit's function is refused: the outer rolls back and nothing is published", async () => {
    await inNewRoom(({ sql, commit, published }) => {
      expect(() =>
        commit(null, (outer) => {
          appendLedger(outer.sql, { id: "grant:outer", at: outer.now, kind: "grant", amount: 5 });
          commit(null, (inner) =>
            appendLedger(inner.sql, { id: "grant:inner", at: inner.now, kind: "grant", amount: 7 }),
          );
        }),
      ).toThrow("a commit inside another commit's function");
      expect(ledgerEntries(sql, { limit: 10 }).items).toEqual([]);
      expect(published).toEqual([]);
      // The refusal leaves the commit usable.
      commit(null, (ctx) => appendLedger(ctx.sql, { id: "grant:after", at: ctx.now, kind: "grant", amount: 1 }));
      expect(ledgerEntries(sql, { limit: 10 }).items.map((e) => e.id)).toEqual(["grant:after"]);
    });
  });
});
