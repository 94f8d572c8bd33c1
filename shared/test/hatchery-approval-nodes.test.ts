import { describe, expect, it } from "vitest";
import { opsForEvent } from "../hatchery/domain";
import { DOMAIN_DATA } from "../hatchery/node-schemas";
import type { Approval } from "../protocol/approvals";

const ada = { id: "u_ada", kind: "user" as const, name: "Ada" };
const autopilot = { id: "autopilot", kind: "agent" as const, name: "Autopilot" };
const approval = (over: Partial<Approval> = {}): Approval => ({
  id: "apr_1",
  title: 'Back up OpenClaw instance "Lab"',
  summary: "OpenClaw instance “Lab” is backed up: a copy of its state is stored; it keeps running.",
  details: "",
  risk: "low",
  status: "pending",
  threadId: null,
  requestedBy: autopilot,
  onBehalfOf: ada,
  selfConfirmed: false,
  requestedAt: 1,
  expiresAt: null,
  resolvedBy: null,
  resolvedAt: null,
  note: null,
  action: { kind: "instance", operation: "backup", instanceId: "lab" },
  ...over,
});

const nodeData = (a: Approval) => {
  const op = opsForEvent({ seq: 1, event: "approval.requested", payload: { approval: a } }).find((o) => o.op === "upsert");
  return op?.op === "upsert" ? op.data : null;
};

describe("an approval on the canvas", () => {
  it("says what it will do and on whose behalf it was asked", () => {
    const data = nodeData(approval());
    expect(data).toMatchObject({ summary: approval().summary, requestedBy: "Autopilot", onBehalfOf: "Ada" });
    expect(DOMAIN_DATA.approval.safeParse(data).success).toBe(true);
    // A request on its asker's own behalf names nobody twice.
    expect(nodeData(approval({ requestedBy: ada }))).toMatchObject({ onBehalfOf: null });
  });
});
