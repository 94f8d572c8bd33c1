// A channel operation's approval as protocol 7 sees it (cuts/v8.ts): 7 knows none of the
// channel operations, so such an approval goes without its action; other instance actions
// lose only the field 8 added. And its summary, written when it is filed, never names a token.
import { describe, expect, it } from "vitest";
import { approvalSummary } from "../approval-summary";
import type { Approval } from "../protocol/approvals";
import { cut8 } from "../protocol/cuts/v8";

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
const toSeven = (approval: Approval) =>
  (cut8.events["approval.requested"]!({ approval } as never) as { approval: Record<string, unknown> }).approval;

describe("channel approvals", () => {
  it("reach a 7 client without the action 7 cannot read; other instance actions keep theirs", () => {
    expect(toSeven(base).action).toBeNull();
    expect(toSeven(base)).not.toHaveProperty("summary");
    const unpair: Approval = {
      ...base,
      action: { kind: "instance", operation: "unpair", instanceId: "lab", deviceId: "d1" },
    };
    expect(toSeven(unpair).action).toEqual({
      kind: "instance",
      operation: "unpair",
      instanceId: "lab",
      deviceId: "d1",
    });
    const tool: Approval = {
      ...base,
      action: { kind: "tool", runId: "r", toolCallId: "c", tool: "jobs_cancel", arguments: "{}" },
    };
    expect(toSeven(tool).action).toEqual(tool.action);
  });

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
