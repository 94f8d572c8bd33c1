// Alerts before the money runs out (docs/billing.md): a budget past 80 % reaches its owners'
// and admins' inboxes and mail once, not again at 81 %; used up, it says so; raised, the alert
// goes; the balance below its threshold likewise; members get none, and only admins set them.
import { describe, expect, it, vi } from "vitest";
import type { EventFrame } from "../../../../../shared/protocol/frames";
import { DEFAULT_INBOX_PREFERENCES, type Inbox } from "../../../../../shared/protocol/inbox";
import { appendLedger } from "./billing";
import { api, idem, inAutopilot, openTeam, type RawSocket } from "../../../../test/harness";

/** Usage the workspace spent, written as the room writes a model call's cost. */
const spend = (ws: string, credits: number) =>
  inAutopilot(ws, (sql) =>
    appendLedger(sql, {
      id: `test:${crypto.randomUUID()}`,
      at: Date.now(),
      kind: "usage",
      amount: -credits,
      purpose: "reply",
    }),
  );

const alertsIn = (inbox: Inbox) => inbox.items.filter((item) => item.kind === "billing");

/** The owner's next inbox whose money alerts `pick` accepts. */
const inboxWith = (sock: RawSocket, pick: (alerts: Inbox["items"]) => boolean) =>
  sock
    .waitFor<EventFrame>(
      (f) => f.type === "event" && f.event === "inbox.updated" && pick(alertsIn((f.payload as { inbox: Inbox }).inbox)),
      10_000,
    )
    .then((f) => (f.payload as { inbox: Inbox }).inbox);

async function mailsNow(cookie: string, subject: RegExp) {
  const outbox = await api<{ mails: { subject: string; link: string }[] }>("/api/dev/mail", { cookie });
  return outbox.body.mails.filter((m) => subject.test(m.subject));
}

const waitForMail = (cookie: string, subject: RegExp) =>
  vi.waitFor(
    async () => {
      const found = await mailsNow(cookie, subject);
      expect(found.length, `mails matching ${subject}`).toBeGreaterThan(0);
      return found;
    },
    { timeout: 10_000, interval: 100 },
  );

describe("money alerts", () => {
  it("a budget past 80% tells owners and admins once, by inbox and mail; not again at 81%; used up, it says so; raised, it goes", async () => {
    const { ws, owner, ownerSocket, secondSocket } = await openTeam("member");
    await ownerSocket.ok("inbox.configure", {
      preferences: { ...DEFAULT_INBOX_PREFERENCES, emailAfterMs: 0 },
      idempotencyKey: idem(),
    });
    await spend(ws, 80);
    // Setting the budget shows it 80% used: the threshold is crossed now.
    await ownerSocket.ok("billing.setBudget", { scope: "workspace", limit: 100, idempotencyKey: idem() });
    const first = await inboxWith(ownerSocket, (alerts) => alerts.length === 1);
    const [alert] = alertsIn(first);
    expect(alert).toMatchObject({
      kind: "billing",
      title: "The workspace's budget is 80% used",
      target: { kind: "billing" },
      read: false,
    });
    expect(alert!.detail).toMatch(/^80 of 100 credits used this month, 20 left\./);
    const mailed = await waitForMail(owner.cookie, /The workspace's budget is 80% used/);
    expect(mailed).toHaveLength(1);
    expect(mailed[0]!.subject).toBe("The workspace's money: The workspace's budget is 80% used");
    expect(new URL(mailed[0]!.link).searchParams.get("panel")).toBe("billing");
    // A member reads the money but is not told: their inbox has no alert.
    expect(alertsIn((await secondSocket.ok("inbox.get", {})).inbox)).toEqual([]);

    // 81%: the same alert, with today's numbers; no new one, no second mail.
    await spend(ws, 1);
    await ownerSocket.ok("billing.setBudget", { scope: "workspace", limit: 100, idempotencyKey: idem() });
    const again = alertsIn((await ownerSocket.ok("inbox.get", {})).inbox);
    expect(again.map((a) => a.key)).toEqual([alert!.key]);
    expect(again[0]!.detail).toMatch(/^81 of 100 credits used/);

    // Used up: the 100% alert replaces the 80% one and is mailed; by then the 80% one was not mailed again.
    await spend(ws, 19);
    await ownerSocket.ok("billing.setBudget", { scope: "workspace", limit: 100, idempotencyKey: idem() });
    const usedUp = await inboxWith(ownerSocket, (alerts) => alerts.some((a) => a.title.endsWith("used up")));
    expect(alertsIn(usedUp).map((a) => a.title)).toEqual(["The workspace's budget is used up"]);
    await waitForMail(owner.cookie, /budget is used up/);
    expect(await mailsNow(owner.cookie, /budget is 80% used/)).toHaveLength(1);

    // Raised: the budget is under its thresholds again, and the alert goes.
    await ownerSocket.ok("billing.setBudget", { scope: "workspace", limit: 1000, idempotencyKey: idem() });
    await inboxWith(ownerSocket, (alerts) => alerts.length === 0);
    for (const s of [ownerSocket, secondSocket]) s.close();
  });

  it("the balance below its threshold: an alert while it stays below; only owners and admins set the thresholds", async () => {
    const { ownerSocket, secondSocket, agentSocket } = await openTeam("member");
    const { state } = await ownerSocket.ok("billing.summary", {});
    expect(state.alerts.budgetPercents).toEqual([80, 100]);
    for (const sock of [secondSocket, agentSocket]) {
      const refused = await sock.call("billing.setAlerts", {
        alerts: { budgetPercents: [50], lowBalance: null },
        idempotencyKey: idem(),
      });
      expect(refused).toMatchObject({ ok: false, error: { code: "forbidden" } });
    }
    const bad = await ownerSocket.call("billing.setAlerts", {
      alerts: { budgetPercents: [0, 101], lowBalance: -1 },
      idempotencyKey: idem(),
    });
    expect(bad).toMatchObject({ ok: false, error: { code: "bad_request" } });

    const above = state.balance + 1;
    const set = await ownerSocket.ok("billing.setAlerts", {
      alerts: { budgetPercents: [100, 50], lowBalance: above },
      idempotencyKey: idem(),
    });
    expect(set.state.alerts).toEqual({ budgetPercents: [50, 100], lowBalance: above });
    const low = await inboxWith(ownerSocket, (alerts) => alerts.length === 1);
    expect(alertsIn(low)[0]).toMatchObject({ title: "The workspace's credits are running low" });
    // Below no longer (the threshold lowered): the alert goes.
    await ownerSocket.ok("billing.setAlerts", {
      alerts: { budgetPercents: [50, 100], lowBalance: 1 },
      idempotencyKey: idem(),
    });
    await inboxWith(ownerSocket, (alerts) => alerts.length === 0);
    for (const s of [ownerSocket, secondSocket, agentSocket]) s.close();
  });
});
