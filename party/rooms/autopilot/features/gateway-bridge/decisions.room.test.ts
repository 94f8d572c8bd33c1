// The bridge's decisions part: gateway requests become room approvals, a person's
// decision reaches the gateway before the room records it, and the in-flight guard keeps
// a second decision (and the gateway's own echo) out of the way. Scripted gateway peer.
import { describe, expect, it } from "vitest";
import type { Approval } from "../../../../../shared/protocol/approvals";
import { Decisions, decisionRequest, GATEWAY_ACTION_KINDS, prepareGatewayDecision } from "./decisions";
import { GatewayRequestError } from "./gateway-connection";
import { isDeviceTokenRejected, isGone, isTransient } from "./gateway-errors";
import { getApproval, requestApproval, resolveApproval } from "../approvals/approvals";
import { approvalForRequest } from "../instance-store/gateway";
import { RoomError } from "../../../../domain/errors";
import {
  asPerson,
  asRoom,
  connectTo,
  fakeGateway,
  inRoom,
  linkAndGateway,
  linkWithThread,
  ok,
  refuse,
  seedInstance,
  testLink,
} from "../../../../test/bridge-peer";
import type { Sql } from "../../../../domain/sql";
import { type DecisionOwners, prepareDecision } from "../approvals/index";
import type { RequestContext } from "../../kernel/handlers";
import type { Principal } from "../../../../../shared/protocol/principal";
import { createOpContext } from "../../kernel/commit";

const execRequest = {
  id: "ex-1",
  request: { command: "rm -rf build", cwd: "/work", sessionKey: "main", toolCallId: "call_7" },
  expiresAtMs: Date.now() + 60_000,
};

/** The decisions part of instance `inst`, its link connected to a scripted gateway. */
async function connectedDecisions(sql: Sql) {
  const { link, gw } = linkAndGateway(sql);
  link.connection = await connectTo(gw);
  return { link, gw, decisions: new Decisions(link, () => {}) };
}

describe("bridge decisions", () => {
  it("records a gateway's exec request once, as a high-risk approval in its session's thread", async () => {
    await inRoom(async (sql) => {
      const { thread, link } = linkWithThread(sql);
      const commands: [string, string][] = [];
      const decisions = new Decisions(link, (id, command) => commands.push([id, command]));
      decisions.recordExec(execRequest);
      decisions.recordExec(execRequest);
      const approval = approvalForRequest(sql, "inst", "ex-1")!;
      expect(approval).toMatchObject({
        status: "pending",
        risk: "high",
        title: "Work wants to run: rm -rf build",
        threadId: thread.id,
        action: { kind: "exec", requestId: "ex-1", command: "rm -rf build", cwd: "/work", sessionKey: "main" },
      });
      expect(sql.one<{ n: number }>(`select count(*) as n from approvals`)!.n).toBe(1);
      expect(commands).toEqual([
        ["call_7", "rm -rf build"],
        ["call_7", "rm -rf build"],
      ]);
      // The gateway decided it itself: the room follows, once.
      decisions.settledInGateway("ex-1", "denied");
      expect(getApproval(sql, approval.id)).toMatchObject({ status: "denied", note: "decided in OpenClaw" });
    });
  });

  it("sends a person's decision to the gateway first; a second one meanwhile waits (retry in 300 ms) and the gateway's echo is ignored", async () => {
    await inRoom(async (sql) => {
      const { gw, decisions } = await connectedDecisions(sql);
      decisions.recordExec(execRequest);
      const approval = approvalForRequest(sql, "inst", "ex-1")!;
      const action = approval.action as Extract<Approval["action"], { kind: "exec" }>;

      const resolving = decisions.resolve(approval, action, "approve");
      const request = await gw.next();
      expect(request).toMatchObject({
        method: "approval.resolve",
        params: { id: "ex-1", kind: "exec", decision: "allow-once" },
      });
      expect(decisions.deciding("ex-1")).toBe(true);
      let second: unknown;
      try {
        void decisions.resolve(approval, action, "deny");
      } catch (error) {
        second = error;
      }
      expect(second).toBeInstanceOf(RoomError);
      expect((second as RoomError).toShape()).toMatchObject({ code: "unavailable", retryAfterMs: 300 });
      // The gateway announces the decision before it answers: that one is ours to record.
      decisions.settledInGateway("ex-1", "approved");
      expect(getApproval(sql, approval.id)!.status).toBe("pending");

      gw.send({ type: "res", id: request.id, ok: true, payload: { applied: true } });
      const release = await resolving;
      asPerson(sql, (ctx) =>
        resolveApproval(ctx, { approvalId: approval.id, decision: "approve", idempotencyKey: "k1" }),
      );
      release();
      expect(decisions.deciding("ex-1")).toBe(false);
      expect(getApproval(sql, approval.id)).toMatchObject({ status: "approved", resolvedBy: { id: "user_1" } });
    });
  });

  it("records what the gateway decided first and refuses the late decision (already_resolved)", async () => {
    await inRoom(async (sql) => {
      const { gw, decisions } = await connectedDecisions(sql);
      gw.on("approval.resolve", () => ok({ applied: false, approval: { status: "denied" } }));
      gw.on("device.pair.approve", () => refuse("INVALID_REQUEST", "unknown requestId"));
      decisions.recordExec(execRequest);
      decisions.recordPairing("device", {
        requestId: "pr-1",
        deviceId: "dev-abc",
        clientId: "cli",
        scopes: ["operator.read"],
      });
      const exec = approvalForRequest(sql, "inst", "ex-1")!;
      const pairing = approvalForRequest(sql, "inst", "pr-1")!;
      expect(pairing).toMatchObject({
        title: 'Pair device "cli" with Work',
        action: { kind: "pairing", target: "device", subject: "dev-abc", scopes: ["operator.read"] },
      });

      const late = await decisions
        .resolve(exec, exec.action as Extract<Approval["action"], { kind: "exec" }>, "approve")
        .catch((e: unknown) => e);
      expect((late as RoomError).toShape()).toMatchObject({ code: "already_resolved", details: { status: "denied" } });
      expect(getApproval(sql, exec.id)).toMatchObject({ status: "denied", note: "decided in OpenClaw first" });

      const gone = await decisions
        .resolve(pairing, pairing.action as Extract<Approval["action"], { kind: "pairing" }>, "approve")
        .catch((e: unknown) => e);
      expect((gone as RoomError).toShape()).toMatchObject({ code: "already_resolved", details: { status: "expired" } });
      expect(getApproval(sql, pairing.id)).toMatchObject({
        status: "expired",
        note: "OpenClaw no longer has this request",
      });
      expect(decisions.deciding("ex-1") || decisions.deciding("pr-1")).toBe(false);
    });
  });

  it("leaves the approval pending when the gateway cannot take the decision, or is not connected", async () => {
    await inRoom(async (sql) => {
      seedInstance(sql);
      const { link } = testLink(sql);
      const decisions = new Decisions(link, () => {});
      decisions.recordExec(execRequest);
      const approval = approvalForRequest(sql, "inst", "ex-1")!;
      const action = approval.action as Extract<Approval["action"], { kind: "exec" }>;
      const offline = await decisions.resolve(approval, action, "approve").catch((e: unknown) => e);
      expect((offline as RoomError).toShape()).toMatchObject({ code: "unavailable" });
      const gw = fakeGateway();
      link.connection = await connectTo(gw);
      gw.on("approval.resolve", () => refuse("UNAVAILABLE", "busy"));
      const busy = await decisions.resolve(approval, action, "approve").catch((e: unknown) => e);
      expect((busy as RoomError).toShape()).toMatchObject({
        code: "unavailable",
        message: expect.stringMatching(/could not take the decision/),
      });
      expect(getApproval(sql, approval.id)!.status).toBe("pending");
      expect(decisions.deciding("ex-1")).toBe(false);
    });
  });

  it("prepares approvals.resolve: other approvals pass, a refused decision never reaches the gateway, a gone instance's request expires, a live one without a bridge waits", async () => {
    await inRoom(async (sql) => {
      const instance = seedInstance(sql);
      const { link, events } = testLink(sql);
      new Decisions(link, () => {}).recordExec(execRequest);
      const approval = approvalForRequest(sql, "inst", "ex-1")!;
      const room = { sql, commit: link.deps.commit, decisionsFor: () => undefined };
      // The approvals' first step, with the instances' preparer for gateway requests as the room registers it.
      const gatewayAsked: string[] = [];
      const owners: DecisionOwners = {
        sql,
        commit: link.deps.commit,
        currentAccess: () =>
          Promise.reject(new Error("current access is read only for an approval that acts for someone")),
        actingFor: () => null,
        preparers: new Map(
          GATEWAY_ACTION_KINDS.map((kind) => [
            kind,
            (_req: RequestContext, a: Approval, decision: "approve" | "deny") => {
              gatewayAsked.push(a.id);
              return prepareGatewayDecision(room, a, decision);
            },
          ]),
        ),
      };
      // The room is read only for an approval that acts for someone (nobody here).
      const by = (principal: Principal) => ({ principal }) as RequestContext;
      const person = by({ id: "person", name: "Person", kind: "user", scopes: ["approve"] });
      const prepare = (req: RequestContext, approvalId: string) =>
        prepareDecision(owners, req, { approvalId, decision: "approve" });
      const plain = asPerson(
        sql,
        (ctx) =>
          requestApproval(ctx, { title: "ship it", details: "", risk: "low", idempotencyKey: "k-plain" }).approval,
      );
      expect(prepare(person, plain.id)).toBeUndefined();
      // An agent (even with approve) never decides a gateway's request: refused before the gateway hears of it,
      // by the commit that would record it.
      const agent = by({ id: "agent_k", name: "Agent", kind: "agent", scopes: ["approve"] });
      expect(prepare(agent, approval.id)).toBeUndefined();
      expect(gatewayAsked).toEqual([]);
      const { ctx: asAgent } = createOpContext(sql, agent.principal, Date.now());
      expect(() =>
        sql.transaction(() =>
          resolveApproval(asAgent, { approvalId: approval.id, decision: "approve", idempotencyKey: "k-agent" }),
        ),
      ).toThrow(/only a person/);
      expect(() => prepare(person, approval.id)).toThrow(/not connected/);
      expect(gatewayAsked).toEqual([approval.id]);
      expect(getApproval(sql, approval.id)!.status).toBe("pending");

      asRoom(sql, (ctx) =>
        ctx.sql.run(
          `update instances set doc = ? where id = ?`,
          JSON.stringify({ ...instance, status: "stopped" }),
          "inst",
        ),
      );
      let refused: unknown;
      try {
        prepare(person, approval.id);
      } catch (error) {
        refused = error;
      }
      expect((refused as RoomError).toShape()).toMatchObject({
        code: "already_resolved",
        details: { status: "expired" },
      });
      expect(getApproval(sql, approval.id)).toMatchObject({
        status: "expired",
        note: "the OpenClaw instance no longer exists",
      });
      expect(events.map((e) => e.event)).toContain("approval.resolved");
      // Decided already: the ordinary path answers, the gateway is not asked again.
      expect(prepare(person, approval.id)).toBeUndefined();
      expect(gatewayAsked).toEqual([approval.id, approval.id]);
    });
  });

  it("maps each kind of request to the gateway method that decides it", () => {
    expect(
      decisionRequest(
        { kind: "exec", instanceId: "i", requestId: "r", command: "ls", cwd: null, sessionKey: null },
        false,
      ),
    ).toEqual(["approval.resolve", { id: "r", kind: "exec", decision: "deny" }]);
    expect(
      decisionRequest(
        { kind: "pairing", instanceId: "i", target: "node", requestId: "r", subject: "n", summary: "", scopes: [] },
        true,
      ),
    ).toEqual(["node.pair.approve", { requestId: "r" }]);
    expect(
      decisionRequest(
        {
          kind: "pairing",
          instanceId: "i",
          target: "channel",
          requestId: "r",
          subject: "s",
          summary: "",
          scopes: [],
          channel: { channel: "telegram", accountId: "a" },
        },
        false,
      ),
    ).toEqual(["channels.pairing.dismiss", { channel: "telegram", accountId: "a", requestId: "r" }]);
  });
});

describe("gateway errors", () => {
  const refusal = (code: string, message: string, details?: unknown) =>
    new GatewayRequestError("m", code, message, details);
  it("tells a rejected device token, a request that is gone and a refusal worth retrying apart", () => {
    expect(
      isDeviceTokenRejected(refusal("INVALID_REQUEST", "unauthorized", { code: "AUTH_DEVICE_TOKEN_MISMATCH" })),
    ).toBe(true);
    expect(isDeviceTokenRejected(refusal("NOT_PAIRED", "pair first"))).toBe(true);
    expect(isDeviceTokenRejected(new Error("device token"))).toBe(false);
    expect(isGone(refusal("INVALID_REQUEST", "unknown requestId"))).toBe(true);
    expect(isGone(refusal("INVALID_REQUEST", "bad params"))).toBe(false);
    expect(isTransient(refusal("UNAVAILABLE", "busy"))).toBe(true);
    expect(isTransient(refusal("INVALID_REQUEST", "x", { retryable: true }))).toBe(true);
    expect(isTransient(refusal("INVALID_REQUEST", "too long"))).toBe(false);
  });
});
