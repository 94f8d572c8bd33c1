import { describe, expect, it } from "vitest";
import type { Approval } from "../protocol/approvals";
import { type DecisionAsk, decisionRefusal, selfConfirmed } from "../approval-policy";

const agent = { id: "agent_k1", kind: "agent" as const };
const otherAgent = { id: "agent_k2", kind: "agent" as const };
const autopilot = { id: "autopilot", kind: "agent" as const };
const alice = { id: "u_alice", kind: "user" as const };
const bob = { id: "u_bob", kind: "user" as const };
const by = (who: { id: string; kind: "user" | "agent" }) => ({ ...who, name: who.id });

const provision: Approval["action"] = { kind: "instance", operation: "provision", instanceId: "work" };
const exec: Approval["action"] = {
  kind: "exec",
  instanceId: "work",
  requestId: "r1",
  command: "ls",
  cwd: null,
  sessionKey: null,
};

const DEFAULT = { twoPersonRule: false };
const TWO_PERSON = { twoPersonRule: true };
const approve: DecisionAsk = { decision: "approve" };
const confirmed: DecisionAsk = { decision: "approve", confirmOwn: true };
const deny: DecisionAsk = { decision: "deny" };
const why = (refusal: ReturnType<typeof decisionRefusal>) => refusal?.message ?? null;

describe("who may decide an approval", () => {
  it("an action-gating approval: people only, never an agent", () => {
    const asked = { action: provision, requestedBy: by(agent), onBehalfOf: by(agent) };
    expect(why(decisionRefusal(asked, agent, DEFAULT, confirmed))).toMatch(/only a person/);
    expect(why(decisionRefusal(asked, otherAgent, DEFAULT, approve))).toMatch(/only a person/);
    expect(decisionRefusal(asked, alice, DEFAULT, approve)).toBeNull();
    expect(decisionRefusal(asked, alice, TWO_PERSON, approve)).toBeNull();
    // A gateway's exec request (requested by the instance, on nobody's behalf) goes to people only.
    const fromGateway = {
      action: exec,
      requestedBy: { id: "instance:work", kind: "agent" as const, name: "Work" },
      onBehalfOf: null,
    };
    expect(why(decisionRefusal(fromGateway, agent, DEFAULT, approve))).toMatch(/only a person/);
    expect(decisionRefusal(fromGateway, bob, TWO_PERSON, approve)).toBeNull();
  });

  it("an agent's gated call over MCP (no action on the wire, a gate in the room): people only", () => {
    const gated = { action: null, gatesCall: true, requestedBy: by(agent), onBehalfOf: by(agent) };
    expect(why(decisionRefusal(gated, otherAgent, DEFAULT, approve))).toMatch(/only a person/);
    expect(why(decisionRefusal(gated, otherAgent, DEFAULT, deny))).toMatch(/only a person/);
    expect(decisionRefusal(gated, alice, DEFAULT, approve)).toBeNull();
    // The room's own actors are no people, whatever kind they carry.
    expect(why(decisionRefusal(gated, { id: "gateway-user:work", kind: "user" }, DEFAULT, approve))).toMatch(
      /only a person/,
    );
    // The same request without a gate is a plain one: another agent holding approve may decide it.
    expect(decisionRefusal({ ...gated, gatesCall: false }, otherAgent, DEFAULT, approve)).toBeNull();
  });

  it("by default a person approves their own request only with an explicit confirm", () => {
    const own = { action: provision, requestedBy: by(alice), onBehalfOf: by(alice) };
    const refusal = decisionRefusal(own, alice, DEFAULT, approve);
    expect(refusal?.message).toMatch(/confirmOwn/);
    expect(refusal?.details).toEqual({ needs: "confirmOwn" });
    expect(decisionRefusal(own, alice, DEFAULT, confirmed)).toBeNull();
    expect(selfConfirmed(own, alice.id, "approve")).toBe(true);
    // Withdrawing one's own request needs no confirm.
    expect(decisionRefusal(own, alice, DEFAULT, deny)).toBeNull();
    expect(selfConfirmed(own, alice.id, "deny")).toBe(false);
    expect(decisionRefusal(own, bob, DEFAULT, approve)).toBeNull();
    expect(selfConfirmed(own, bob.id, "approve")).toBe(false);
  });

  it("what the Autopilot asked on a person's behalf is that person's own request", () => {
    const viaAutopilot = { action: provision, requestedBy: by(autopilot), onBehalfOf: by(alice) };
    expect(why(decisionRefusal(viaAutopilot, alice, DEFAULT, approve))).toMatch(/confirmOwn/);
    expect(decisionRefusal(viaAutopilot, alice, DEFAULT, confirmed)).toBeNull();
    expect(why(decisionRefusal(viaAutopilot, alice, TWO_PERSON, confirmed))).toMatch(/two-person rule/);
    expect(why(decisionRefusal(viaAutopilot, alice, TWO_PERSON, deny))).toMatch(/two-person rule/);
    expect(decisionRefusal(viaAutopilot, bob, TWO_PERSON, approve)).toBeNull();
  });

  it("under the two-person rule neither the requester nor the one it was asked for decides", () => {
    const own = { action: provision, requestedBy: by(alice), onBehalfOf: by(alice) };
    expect(why(decisionRefusal(own, alice, TWO_PERSON, confirmed))).toMatch(/two-person rule/);
    expect(decisionRefusal(own, bob, TWO_PERSON, approve)).toBeNull();
    const plainFromAlice = { action: null, requestedBy: by(alice), onBehalfOf: by(alice) };
    expect(why(decisionRefusal(plainFromAlice, alice, TWO_PERSON, confirmed))).toMatch(/two-person rule/);
  });

  it("a plain request to humans: anyone with approve, except an agent deciding its own", () => {
    const plain = { action: null, requestedBy: by(agent), onBehalfOf: by(agent) };
    expect(why(decisionRefusal(plain, agent, DEFAULT, confirmed))).toMatch(/its own request/);
    expect(decisionRefusal(plain, otherAgent, DEFAULT, approve)).toBeNull();
    expect(decisionRefusal(plain, alice, DEFAULT, approve)).toBeNull();
    expect(decisionRefusal({ requestedBy: by(alice), onBehalfOf: by(alice) }, alice, DEFAULT, confirmed)).toBeNull();
  });
});
