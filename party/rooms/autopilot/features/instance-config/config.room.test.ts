// A change of an instance's gateway config (party/rooms/autopilot/features/instance-config/):
// who may propose one through the room's socket and what a patch may hold (channels and
// bindings, never a secret); then against the scripted gateway: the approval holds the patch
// and the hash read when it was proposed, nothing is sent before a person approves, and the
// approved patch goes once through config.patch against that hash (a refusal fails the job in
// the gateway's words). The pinned gateway's side is in client/test/e2e-gateway-tools.test.ts.
import { describe, expect, it } from "vitest";
import { InstancesProposeConfigParams } from "../../../../../shared/protocol/instance-config";
import { asPerson, connectTo, inRoom, linkAndGateway, ok, refuse, seedInstance } from "../../../../test/bridge-peer";
import { codeOf, idem, inAutopilot, openTeam } from "../../../../test/harness";
import { decide, operationDeps } from "../../../../test/instance-ops";
import type { BridgeLink } from "../gateway-bridge/bridge-link";
import { listJobs } from "../jobs/jobs";
import { settleConfigApproval } from "./operations";
import { proposeConfig, requestConfigChange } from "./requests";

const FAMILY = { channels: { whatsapp: { dmPolicy: "allowlist", allowFrom: ["+15550001", "+15550002"] } } };
const bridgeOver = (link: BridgeLink) => ({
  connected: true,
  channels: { request: (m: string, p?: Record<string, unknown>, t?: number) => link.open().request(m, p, t) },
});
const params = (patch: Record<string, unknown>) =>
  InstancesProposeConfigParams.parse({
    instanceId: "inst",
    summary: "only my family may message it on WhatsApp",
    patch,
    idempotencyKey: idem(),
  });

describe("a config change through the room's socket", () => {
  it("a viewer may not propose; a patch outside channels and bindings, or with a secret, is refused; no gateway, nothing filed", async () => {
    const { ws, ownerSocket: o, secondSocket: viewer, agentSocket: g } = await openTeam("viewer");
    await inAutopilot(ws, (sql) =>
      seedInstance(sql, { id: "lab", name: "Lab", kind: "hosted", bridge: "offline", bridgeError: null }),
    );
    const call = { instanceId: "lab", summary: "family only", patch: FAMILY };
    expect(codeOf(await viewer.call("instances.proposeConfig", { ...call, idempotencyKey: idem() }))).toBe("forbidden");
    for (const patch of [
      { gateway: { auth: { mode: "none" } } },
      { channels: { telegram: { botToken: "123:abc" } } },
      { bindings: [{ agentId: "main", match: { apiKey: "k" } }] },
      {},
    ])
      expect(
        codeOf(await g.call("instances.proposeConfig", { ...call, patch, idempotencyKey: idem() })),
        JSON.stringify(patch),
      ).toBe("bad_request");
    expect(codeOf(await g.call("instances.proposeConfig", { ...call, idempotencyKey: idem() }))).toBe("unavailable");
    expect((await o.ok("approvals.list", { status: "pending" })).approvals).toEqual([]);
    for (const s of [o, viewer, g]) s.close();
  });
});

describe("a config change through the scripted gateway", () => {
  it("is filed with the hash read when proposed, sent only once a person approves, once, against that hash", async () => {
    await inRoom(async (sql) => {
      const { link, gw } = linkAndGateway(sql);
      gw.on("config.get", () => ok({ hash: "hash-1", exists: true, valid: true }));
      gw.on("config.patch", () => ok({ ok: true }));
      link.connection = await connectTo(gw);
      const p = params(FAMILY);
      const { approval } = await proposeConfig({ sql, bridge: bridgeOver(link) }, p, (baseHash) =>
        asPerson(sql, (ctx) => requestConfigChange(ctx, p, baseHash)),
      );
      expect(approval).toMatchObject({
        risk: "high",
        title: 'Change the config of OpenClaw instance "Work": only my family may message it on WhatsApp',
        action: { operation: "patchConfig", config: { patch: JSON.stringify(FAMILY), baseHash: "hash-1" } },
      });
      expect(approval.details).toContain('"allowFrom"');
      expect(gw.requests("config.patch")).toHaveLength(0);
      const deps = { ...operationDeps(sql, []), configOf: () => bridgeOver(link) };
      await settleConfigApproval(deps, decide(sql, approval.id, "approve"));
      const sent = gw.requests("config.patch");
      expect(sent).toHaveLength(1);
      expect(sent[0]!.params).toMatchObject({ raw: JSON.stringify(FAMILY), baseHash: "hash-1" });
      const job = listJobs(sql, { active: false, limit: 10 }).items.find((j) => j.title === approval.title);
      expect(job).toMatchObject({ status: "succeeded" });
    });
  });

  it("a config changed since it was proposed: the gateway refuses, the job fails in its words", async () => {
    await inRoom(async (sql) => {
      const { link, gw } = linkAndGateway(sql);
      gw.on("config.patch", () => refuse("INVALID_REQUEST", "config changed since last load; re-run config.get"));
      link.connection = await connectTo(gw);
      const approval = asPerson(sql, (ctx) => requestConfigChange(ctx, params(FAMILY), "stale-hash")).approval;
      const deps = { ...operationDeps(sql, []), configOf: () => bridgeOver(link) };
      await settleConfigApproval(deps, decide(sql, approval.id, "approve"));
      const job = listJobs(sql, { active: false, limit: 10 }).items.find((j) => j.title === approval.title);
      expect(job).toMatchObject({ status: "failed" });
      expect(job?.error).toContain("config changed since last load");
    });
  });
});
