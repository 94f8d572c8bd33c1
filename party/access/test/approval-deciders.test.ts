import { describe, expect, it } from "vitest";
import type { Approval } from "../../../shared/protocol/approvals";
import { decisionRefusal } from "../approval-deciders";

const agent = { id: "agent_k1", kind: "agent" as const };
const otherAgent = { id: "agent_k2", kind: "agent" as const };
const alice = { id: "u_alice", kind: "user" as const };
const bob = { id: "u_bob", kind: "user" as const };
const by = (who: { id: string; kind: "user" | "agent" }) => ({ ...who, name: who.id });

const provision: Approval["action"] = { kind: "instance", operation: "provision", instanceId: "work" };
const exec: Approval["action"] = { kind: "exec", instanceId: "work", requestId: "r1", command: "ls", cwd: null, sessionKey: null };

describe("who may decide an approval", () => {
  it("an action-gating approval: a person other than the requester only", () => {
    const asked = { action: provision, requestedBy: by(agent) };
    expect(decisionRefusal(asked, agent)).toMatch(/only a person/);
    expect(decisionRefusal(asked, otherAgent)).toMatch(/only a person/);
    expect(decisionRefusal(asked, alice)).toBeNull();
    const askedByAlice = { action: provision, requestedBy: by(alice) };
    expect(decisionRefusal(askedByAlice, alice)).toMatch(/another person must/);
    expect(decisionRefusal(askedByAlice, bob)).toBeNull();
    // A gateway's exec request (requested by the instance) goes to people only.
    const fromGateway = { action: exec, requestedBy: { id: "instance:work", kind: "agent" as const, name: "Work" } };
    expect(decisionRefusal(fromGateway, agent)).toMatch(/only a person/);
    expect(decisionRefusal(fromGateway, bob)).toBeNull();
  });

  it("a plain request to humans: anyone with approve, except an agent deciding its own", () => {
    const plain = { action: null, requestedBy: by(agent) };
    expect(decisionRefusal(plain, agent)).toMatch(/its own request/);
    expect(decisionRefusal(plain, otherAgent)).toBeNull();
    expect(decisionRefusal(plain, alice)).toBeNull();
    expect(decisionRefusal({ requestedBy: by(alice) }, alice)).toBeNull();
  });
});
