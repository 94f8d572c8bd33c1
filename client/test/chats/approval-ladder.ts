// Reminders that escalate and the asker told (issue 73; docs/access.md "Who is told"), on the
// chats' stack (e2e-chats.test.ts: the real server and the Slack stand-in): an approval whose
// only member is away is sent to them in Slack, reminded by mail, then sent to the admin, who
// decides it in Slack; the asking thread hears each step and the outcome, and it is decided once.
import { expect, it } from "vitest";
import type { AutopilotClient } from "../../src/client";
import { addSecondPerson, httpJson, until, verifiedOwner } from "../e2e-helpers";
import { type SlackStandIn, slackButtons } from "../slack-standin";

interface ChatsStack {
  server: { url: string };
  slack: SlackStandIn;
  /** A person's client into the workspace (closed with the file's). */
  person(cookie: string, workspace: string): Promise<AutopilotClient>;
  /** An agent key's client into the workspace. */
  agentOf(cookie: string, workspace: string, name: string): Promise<AutopilotClient>;
  slackToken: string;
  signingSecret: string;
}

/** Registers this part's test on the chats' stack. */
export function approvalLadderInSlack(d: ChatsStack): void {
  it("an approval whose only member is away is reminded by mail, then escalated to an admin who decides it in Slack; the asking thread hears each step and the outcome, and it is decided once", async () => {
    const { workspace, ...ann } = await verifiedOwner(d.server.url, "Ann");
    const ben = await addSecondPerson(d.server.url, ann.cookie, workspace, "Ben");
    const cara = await addSecondPerson(d.server.url, ann.cookie, workspace, "Cara", "admin");
    const annLive = await d.person(ann.cookie, workspace);
    await annLive.chats.connect({
      platform: "slack",
      botToken: d.slackToken,
      signingSecret: d.signingSecret,
      origin: d.server.url,
    });
    const requestUrl = `${d.server.url}/chats/slack/${workspace}`;
    // Ben and Cara link their Slack accounts, each from a tab they then close: neither is in the app.
    const linkSlack = async (cookie: string, user: string, dm: string) => {
      const live = await d.person(cookie, workspace);
      const { code } = await live.chats.linkCode({ platform: "slack" });
      await d.slack.post(
        requestUrl,
        d.slack.dm("T0ACME", user, dm, `link ${code}`),
        "application/json",
        d.signingSecret,
      );
      await until(
        () => d.slack.posted(dm).find((c) => String(c.body.text).startsWith("Linked")),
        `${user} linked`,
        15_000,
      );
      live.close();
    };
    await linkSlack(ben.cookie, "U0LADBEN", "D0LADBEN");
    await linkSlack(cara.cookie, "U0LADCARA", "D0LADCARA");
    // A short ladder: a reminder on another surface after 3 s, the admins after 6 s.
    await annLive.settings.update({
      approvals: {
        reminders: [
          { afterMs: 3000, add: "surface" },
          { afterMs: 6000, add: "admins" },
        ],
      },
    });
    const { thread } = await annLive.threads.create({ title: "Release 5" });
    const agent = await d.agentOf(ann.cookie, workspace, "shipper");
    const { approval } = await agent.approvals.request({ title: "Ship 5.0", details: "", threadId: thread.id });

    // Ben, the only member, gets it in Slack; then a reminder by mail; then Cara, the admin, in Slack.
    await until(
      () => d.slack.posted("D0LADBEN").find((c) => String(c.body.text).includes("Ship 5.0")),
      "the approval in Ben's Slack",
      20_000,
    );
    await until(
      async () =>
        (
          await httpJson<{ mails: { subject: string }[] }>(d.server.url, "/api/dev/mail", { cookie: ben.cookie })
        ).body.mails.find((m) => m.subject.includes("Reminder") && m.subject.includes("Ship 5.0")),
      "Ben's reminder by mail",
      20_000,
    );
    const toCara = await until(
      () => d.slack.posted("D0LADCARA").find((c) => String(c.body.text).includes("Ship 5.0")),
      "the approval in Cara's Slack",
      20_000,
    );
    expect(String(toCara.body.text)).toMatch(/^⏰ Approval needed \(no one has decided it yet\)/);
    expect((await agent.approvals.get({ approvalId: approval.id })).approval.reach).toMatchObject({
      sentTo: "sent to Ben in Slack and by mail; Cara in Slack",
      waiting: "waiting for Ben and Cara",
      step: 2,
    });

    // Cara approves in Slack; Ann's press in the app comes too late.
    const press = d.slack.press(
      "T0ACME",
      { id: "U0LADCARA", username: "cara" },
      "D0LADCARA",
      toCara.ts!,
      slackButtons(toCara).get("Approve")!,
    );
    expect((await d.slack.post(requestUrl, press, "application/x-www-form-urlencoded", d.signingSecret)).status).toBe(
      200,
    );
    const decided = await until(
      async () => {
        const { approval: a } = await agent.approvals.get({ approvalId: approval.id });
        return a.reach?.outcome ? a : undefined;
      },
      "the outcome on the approval",
      20_000,
    );
    expect(decided).toMatchObject({
      status: "approved",
      resolvedBy: { id: cara.userId },
      decidedIn: "slack",
      reach: { outcome: "approved by Cara in Slack", waiting: null },
    });
    await expect(annLive.approvals.resolve({ approvalId: approval.id, decision: "deny" })).rejects.toMatchObject({
      code: "already_resolved",
    });
    const lines = (await annLive.messages.list({ threadId: thread.id, limit: 50 })).messages
      .filter((m) => m.author.name === "Autopilot")
      .map((m) => m.text);
    expect(lines).toEqual([
      "Approval “Ship 5.0”: sent to Ben in Slack; reminded Ben by mail; waiting for Ben.",
      "Approval “Ship 5.0”: sent to Cara in Slack too; waiting for Ben and Cara.",
      "Approval “Ship 5.0”: approved by Cara in Slack.",
    ]);
    const decisions = (await annLive.audit.list({})).entries.filter(
      (e) => e.targetId === approval.id && (e.action === "approval.approved" || e.action === "approval.denied"),
    );
    expect(decisions).toHaveLength(1);
    await until(
      () => d.slack.updates("D0LADBEN").find((c) => String(c.body.text).includes("✅ Approved by Cara in Slack")),
      "Ben's Slack message showing the outcome",
      15_000,
    );
    const { figures } = await annLive.approvals.figures({});
    expect(figures).toMatchObject({ decided: 1, expiredNobodyTold: 0 });
  });
}
