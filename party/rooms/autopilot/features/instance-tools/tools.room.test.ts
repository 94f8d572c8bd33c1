// An instance's own tools (party/rooms/autopilot/features/instance-tools/): who may list and run
// them through the room's socket (a viewer may not run one; an agent's key runs a risky one
// only by the approval it files, which a person decides), the approval's action only to sockets
// that asked for capability `instances.tools`; then against the scripted gateway: the list as
// the protocol bounds it, a run at once, and an approved run sent exactly once, its answer the
// job's result. The real gateway's side is in client/test/e2e-gateway-tools.test.ts.
import { describe, expect, it } from "vitest";
import type { DurableEvent } from "../../../../../shared/protocol/events";
import { InstancesInvokeToolParams } from "../../../../../shared/protocol/instance-tools";
import { OLDEST_PROTOCOL_VERSION } from "../../../../../shared/protocol/version";
import { asPerson, connectTo, inRoom, linkAndGateway, ok, seedInstance } from "../../../../test/bridge-peer";
import { actionOnlyToAsking, codeOf, idem, inAutopilot, openTeam, RawSocket } from "../../../../test/harness";
import { decide, operationDeps } from "../../../../test/instance-ops";
import type { BridgeLink } from "../gateway-bridge/bridge-link";
import { invokeTool, toolsCatalog } from "../gateway-bridge/gateway-tools";
import { listJobs } from "../jobs/jobs";
import { settleToolApproval } from "./operations";
import { invokeInstanceTool, listInstanceTools, requestToolRun, type ToolGateway } from "./tools";

const TOKEN = "xoxb-1234567890-abcdefghij";
const RISKY = ["exec", "write"];

/** The room's bridge to the scripted gateway, as the tools use it. */
const toolGateway = (link: BridgeLink): ToolGateway => ({
  connected: true,
  toolsCatalog: () => toolsCatalog(link),
  invokeTool: (request) => invokeTool(link, request),
});
const params = (tool: string, args: Record<string, unknown> = {}) =>
  InstancesInvokeToolParams.parse({ instanceId: "inst", tool, args, idempotencyKey: idem() });

describe("an instance's tools through the room's socket", () => {
  it("a viewer may not run a tool; an agent's key gets an approval for a risky one, never its run; the action only to sockets that asked", async () => {
    const { ws, owner, ownerSocket: o, secondSocket: viewer, agentSocket: g } = await openTeam("viewer");
    await inAutopilot(ws, (sql) =>
      seedInstance(sql, { id: "lab", name: "Lab", kind: "hosted", bridge: "offline", bridgeError: null }),
    );
    const asking = await RawSocket.open(ws, { cookie: owner.cookie }, { caps: "instances.tools" });
    const older = await RawSocket.open(ws, { cookie: owner.cookie }, { protocol: OLDEST_PROTOCOL_VERSION });
    await Promise.all([asking.hello(), older.hello()]);
    const call = { instanceId: "lab", tool: "exec", args: { command: "rm -rf /tmp/x" } };

    expect(codeOf(await viewer.call("instances.invokeTool", { ...call, idempotencyKey: idem() }))).toBe("forbidden");
    expect(codeOf(await g.call("instances.invokeTool", { ...call, instanceId: "nope", idempotencyKey: idem() }))).toBe(
      "not_found",
    );
    // The agent asks: the run waits for a person (exec is on the default risky list).
    const answer = await g.ok("instances.invokeTool", { ...call, idempotencyKey: idem() });
    expect(answer.ran).toBeNull();
    const approval = answer.approval!;
    expect(approval).toMatchObject({
      status: "pending",
      risk: "high",
      title: 'Run the tool "exec" of OpenClaw instance "Lab"',
    });
    expect(approval.details).toContain('{"command":"rm -rf /tmp/x"}');
    // Who asked for the capability reads the action (the agent's socket did not: its answer is plain too);
    // who did not reads a plain approval it can decide.
    expect(approval).not.toHaveProperty("action");
    expect(await actionOnlyToAsking(approval, { asking, plain: o, older })).toEqual({
      kind: "instance",
      operation: "invokeTool",
      instanceId: "lab",
      name: "Lab",
      tool: { name: "exec", args: '{"command":"rm -rf /tmp/x"}' },
    });
    // The agent cannot decide it.
    expect(
      codeOf(
        await g.call("approvals.resolve", { approvalId: approval.id, decision: "approve", idempotencyKey: idem() }),
      ),
    ).toBe("forbidden");
    // A tool that runs at once needs its gateway: none is connected, so nothing ran.
    expect(codeOf(await g.call("instances.invokeTool", { ...call, tool: "agents_list", idempotencyKey: idem() }))).toBe(
      "unavailable",
    );
    expect(codeOf(await viewer.call("instances.tools", { instanceId: "lab" }))).toBe("unavailable");
    const audit = await o.ok("audit.list", {});
    expect(audit.entries.some((e) => e.targetId === approval.id)).toBe(true);
    for (const s of [o, viewer, g, asking, older]) s.close();
  });
});

describe("an instance's tools through the scripted gateway", () => {
  it("lists the catalog as the protocol bounds it: well-formed names, one-line descriptions without token shapes, risky ones marked", async () => {
    await inRoom(async (sql) => {
      const { link, gw } = linkAndGateway(sql);
      gw.on("tools.catalog", () =>
        ok({
          agentId: "main",
          groups: [
            {
              id: "core",
              tools: [
                { id: "agents_list", description: `Lists agents.\n\ntoken ${TOKEN} ${"x".repeat(1000)}` },
                { id: "exec", description: "Runs a command." },
                { id: "bad name; rm", description: "left out" },
                { id: "agents_list", description: "a duplicate" },
              ],
            },
          ],
        }),
      );
      link.connection = await connectTo(gw);
      const { tools } = await listInstanceTools({ sql, bridge: toolGateway(link), risky: RISKY }, "inst");
      expect(tools.map((t) => [t.name, t.needsApproval])).toEqual([
        ["agents_list", false],
        ["exec", true],
      ]);
      expect(tools[0]!.description).toMatch(/^Lists agents\. token \[hidden\] x+/);
      expect(tools[0]!.description.length).toBeLessThanOrEqual(300);
      expect(JSON.stringify(tools)).not.toContain(TOKEN);
    });
  });

  it("a tool off the risky list runs at once, its answer text; a risky one runs only once a person approves, exactly once, its answer the job's result", async () => {
    await inRoom(async (sql) => {
      const { link, gw } = linkAndGateway(sql);
      gw.on("tools.invoke", (p) =>
        ok({ ok: true, toolName: p.name, output: { content: [{ type: "text", text: `ran ${String(p.name)}` }] } }),
      );
      link.connection = await connectTo(gw);
      const deps = { sql, bridge: toolGateway(link), risky: RISKY };
      const refuseToAsk = () => {
        throw new Error("asked for an approval");
      };
      expect(await invokeInstanceTool(deps, params("agents_list"), refuseToAsk)).toEqual({
        ran: { ok: true, output: "ran agents_list" },
        approval: null,
      });
      expect(gw.requests("tools.invoke")).toHaveLength(1);

      const asked = await invokeInstanceTool(deps, params("exec", { command: "uname" }), () =>
        asPerson(sql, (ctx) => requestToolRun(ctx, params("exec", { command: "uname" }))),
      );
      expect(asked.ran).toBeNull();
      const approval = asked.approval!;
      expect(gw.requests("tools.invoke")).toHaveLength(1);

      const events: DurableEvent[] = [];
      const opDeps = { ...operationDeps(sql, events), tools: () => toolGateway(link) };
      // Denied: nothing is sent.
      const denied = asPerson(sql, (ctx) => requestToolRun(ctx, params("exec", { command: "reboot" }))).approval;
      await settleToolApproval(opDeps, decide(sql, denied.id, "deny"));
      expect(gw.requests("tools.invoke")).toHaveLength(1);

      await settleToolApproval(opDeps, decide(sql, approval.id, "approve"));
      const sent = gw.requests("tools.invoke");
      expect(sent).toHaveLength(2);
      expect(sent[1]!.params).toMatchObject({ name: "exec", args: { command: "uname" } });
      const job = listJobs(sql, { active: false, limit: 10 }).items.find((j) => j.title === approval.title);
      expect(job).toMatchObject({ status: "succeeded", message: "ran exec" });
    });
  });

  it("a gateway's refusal of an approved run fails its job with the refusal in words, token shapes cut out", async () => {
    await inRoom(async (sql) => {
      const { link, gw } = linkAndGateway(sql);
      gw.on("tools.invoke", () =>
        ok({ ok: false, toolName: "exec", error: { code: "denied", message: `policy refused ${TOKEN}` } }),
      );
      link.connection = await connectTo(gw);
      const approval = asPerson(sql, (ctx) => requestToolRun(ctx, params("exec"))).approval;
      const opDeps = { ...operationDeps(sql, []), tools: () => toolGateway(link) };
      await settleToolApproval(opDeps, decide(sql, approval.id, "approve"));
      const job = listJobs(sql, { active: false, limit: 10 }).items.find((j) => j.title === approval.title);
      expect(job).toMatchObject({ status: "failed" });
      expect(job?.error).toContain("denied: policy refused [hidden]");
      expect(JSON.stringify(job)).not.toContain(TOKEN);
    });
  });
});
