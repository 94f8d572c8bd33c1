// A channel operation's approval: its summary, written when it is filed, says what happens
// once approved, naming the channel and never a token.
import { describe, expect, it } from "vitest";
import { approvalSummary } from "../approval-summary";
import type { Approval } from "../protocol/approvals";

const base: Approval = {
  id: "apr_1",
  title: 'Connect Telegram on OpenClaw instance "Lab"',
  summary: "",
  details: "Connects Telegram with a bot token (hidden)",
  risk: "high",
  status: "pending",
  threadId: null,
  requestedBy: { id: "user_1", kind: "user", name: "Ada" },
  onBehalfOf: null,
  requestedAt: 1,
  expiresAt: null,
  resolvedBy: null,
  resolvedAt: null,
  note: null,
  selfConfirmed: false,
  action: {
    kind: "instance",
    operation: "configureChannel",
    instanceId: "lab",
    name: "Lab",
    channel: { channel: "telegram", accountId: "default" },
  },
};
const names = { thread: () => null, instance: () => null, job: () => null };

describe("channel approvals", () => {
  it("say in plain words what happens, naming the channel and no token", () => {
    expect(approvalSummary(base.action, base.title, names)).toBe(
      "OpenClaw instance “Lab” connects to Telegram with the bot token given (kept hidden): people who message the bot reach its agent.",
    );
    const access = {
      ...base.action!,
      operation: "channelAccess",
      channel: { channel: "telegram", accountId: "ops" },
    } as Approval["action"];
    expect(approvalSummary(access, "t", names)).toContain("on Telegram (account ops) changes");
  });
});
