// agent.toolset over the real room (features/toolset/): the Autopilot's tools in a thread or a
// project as the requester's run would get them — runScopes narrowing (an owner's admin and a
// member's approve never reach a run), a viewer's and a read-only key's refusals with why, an
// attached instance whose gateway is not connected said so instead of failing, a project's
// instances, and bad input refused with typed errors. This room has no model configured.
import { describe, expect, it } from "vitest";
import type { MethodResult } from "../../../../../shared/protocol/methods";
import type { Scope } from "../../../../../shared/protocol/principal";
import { LOAD_TOOL } from "./offer";
import { runTools } from "./run-tools";
import { runScopes } from "./tools";
import type { Sql } from "../../../../domain/sql";
import { addMember, createKey, idem, provisioned, RawSocket, signUp, uniq } from "../../../../test/harness";

type Toolset = MethodResult<"agent.toolset">;

async function team() {
  const owner = await signUp();
  const ws = owner.workspaceId;
  const [member, viewer] = [await signUp(), await signUp()];
  await addMember(owner, ws, member, "member");
  await addMember(owner, ws, viewer, "viewer");
  const { key: readKey } = await createKey(owner, ws, ["read"], "reader");
  const sockets = await Promise.all([
    RawSocket.open(ws, { cookie: owner.cookie }),
    RawSocket.open(ws, { cookie: member.cookie }),
    RawSocket.open(ws, { cookie: viewer.cookie }),
    RawSocket.open(ws, { key: readKey }),
  ]);
  await Promise.all(sockets.map((s) => s.hello()));
  const [ownerSocket, memberSocket, viewerSocket, readerSocket] = sockets;
  return {
    ws,
    ownerSocket: ownerSocket!,
    memberSocket: memberSocket!,
    viewerSocket: viewerSocket!,
    readerSocket: readerSocket!,
  };
}

const offered = (toolset: Toolset, source = "autopilot") =>
  toolset.tools.filter((t) => t.source === source && t.approval !== "refused").map((t) => t.name);

/** The room tools runTools builds for a run whose trigger holds `held` (no gateway), less tools_load (no method). */
const runGets = async (held: Scope[]) =>
  Object.keys(
    (
      await runTools({
        sql: null as unknown as Sql,
        runId: "compare",
        scopes: runScopes(held),
        riskyGatewayTools: [],
        call: async () => undefined,
        gateway: null,
      })
    ).tools,
  ).filter((name) => name !== LOAD_TOOL);

describe("agent.toolset", () => {
  it("is what a run of the requester would get: scopes narrowed to read and write, the rest refused with why", async () => {
    const { ownerSocket, memberSocket, viewerSocket, readerSocket } = await team();
    const { thread } = await ownerSocket.ok("threads.create", { title: uniq("thread"), idempotencyKey: idem() });
    const ask = (s: RawSocket) => s.ok("agent.toolset", { threadId: thread.id });
    const [owner, member, viewer, reader] = await Promise.all([
      ask(ownerSocket),
      ask(memberSocket),
      ask(viewerSocket),
      ask(readerSocket),
    ]);
    // Owner (admin) and member (approve) act with read and write only: the Autopilot never approves.
    expect(owner.scopes).toEqual(["read", "write"]);
    expect(member.scopes).toEqual(["read", "write"]);
    expect(viewer.scopes).toEqual(["read"]);
    expect(reader.scopes).toEqual(["read"]);
    expect(offered(owner).sort()).toEqual((await runGets(["read", "write", "approve", "admin"])).sort());
    expect(offered(member).sort()).toEqual((await runGets(["read", "write", "approve"])).sort());
    expect(offered(viewer).sort()).toEqual((await runGets(["read"])).sort());
    expect(offered(reader)).toEqual(offered(viewer));
    expect(offered(viewer).length).toBeLessThan(offered(member).length);

    const byName = (toolset: Toolset, name: string) => toolset.tools.find((t) => t.name === name);
    expect(byName(viewer, "chat_send")).toMatchObject({
      approval: "refused",
      why: "Needs write access, which you do not have here.",
    });
    expect(byName(member, "chat_send")).toMatchObject({ approval: "none" });
    expect(byName(member, "threads_archive")).toMatchObject({ approval: "person" });
    expect(byName(member, "approvals_resolve")?.approval).toBe("refused");
    expect(byName(member, "approvals_resolve")?.why).toMatch(/^People only: /);
    // No model in this room: said in plain words, and no instance here.
    expect(owner.model).toEqual({ configured: false, id: null });
    expect(owner.replies).toEqual({
      answers: false,
      why: "No model is configured: the Autopilot answers nowhere until an operator sets one.",
    });
    expect(owner.instances).toEqual([]);
    // The workspace in general: the same own tools.
    expect(offered(await memberSocket.ok("agent.toolset", {}))).toEqual(offered(member));
  });

  it("an attached instance whose gateway is not connected: its gateway tool is listed with why, not an error", async () => {
    const { ownerSocket, viewerSocket } = await team();
    const instanceId = uniq("lab").toLowerCase().slice(0, 40);
    await provisioned(ownerSocket, instanceId);
    const { thread } = await ownerSocket.ok("threads.create", { title: uniq("thread"), idempotencyKey: idem() });
    await ownerSocket.ok("instances.attach", { instanceId, threadId: thread.id, idempotencyKey: idem() });

    const owner = await ownerSocket.ok("agent.toolset", { threadId: thread.id });
    expect(owner.instances).toHaveLength(1);
    expect(owner.instances[0]).toMatchObject({ instanceId, catalog: "unavailable" });
    expect(owner.instances[0]!.why).toMatch(/not connected right now|No link to its gateway runs right now/);
    const gatewayTool = owner.tools.filter((t) => t.source === "instance");
    expect(gatewayTool).toEqual([
      expect.objectContaining({ name: "openclaw_tool", instanceId, instanceName: instanceId }),
    ]);
    // The instance answers this thread (attaching made it the responder): a task here still has these tools.
    expect(owner.replies.answers).toBe(false);

    // A viewer's run could not use it: refused, with why.
    const viewer = await viewerSocket.ok("agent.toolset", { threadId: thread.id });
    expect(viewer.instances[0]).toMatchObject({
      catalog: "unused",
      why: "Needs write access, which you do not have here.",
    });
    expect(viewer.tools.filter((t) => t.source === "instance")).toEqual([
      expect.objectContaining({ name: "openclaw_tool", approval: "refused" }),
    ]);
  });

  it("a project: its own instances and those its threads talk to, each said where the Autopilot can use it", async () => {
    const { ownerSocket } = await team();
    const [attachedId, looseId] = [uniq("att"), uniq("loose")].map((id) => id.toLowerCase().slice(0, 40));
    await provisioned(ownerSocket, attachedId!);
    await provisioned(ownerSocket, looseId!);
    const [t1, t2] = [
      (await ownerSocket.ok("threads.create", { title: uniq("t"), idempotencyKey: idem() })).thread,
      (await ownerSocket.ok("threads.create", { title: uniq("t"), idempotencyKey: idem() })).thread,
    ];
    await ownerSocket.ok("instances.attach", { instanceId: attachedId!, threadId: t1!.id, idempotencyKey: idem() });
    const { project } = await ownerSocket.ok("projects.create", {
      name: "Launch",
      threadIds: [t1!.id, t2!.id],
      instanceIds: [looseId!],
      idempotencyKey: idem(),
    });
    const toolset = await ownerSocket.ok("agent.toolset", { projectId: project.id });
    expect(toolset.instances.map((i) => i.instanceId)).toEqual([looseId, attachedId]);
    const [loose, attached] = toolset.instances;
    expect(loose).toMatchObject({
      catalog: "unused",
      why: "The Autopilot uses an instance's tools only in a thread it is attached to, and none of this project's threads is.",
    });
    expect(attached!.catalog).toBe("unavailable");
    expect(attached!.why).toContain("(in the one thread of this project attached to it)");
    expect(offered(toolset)).toEqual(offered(await ownerSocket.ok("agent.toolset", { threadId: t2!.id })));
  });

  it("bad input gets typed errors", async () => {
    const { ownerSocket } = await team();
    const { thread } = await ownerSocket.ok("threads.create", { title: uniq("thread"), idempotencyKey: idem() });
    const { project } = await ownerSocket.ok("projects.create", { name: "P", idempotencyKey: idem() });
    const refusal = async (params: unknown) => {
      const res = await ownerSocket.call("agent.toolset", params);
      expect(res.ok, JSON.stringify(params)).toBe(false);
      return (res as { error: { code: string; details?: unknown } }).error;
    };
    expect((await refusal({ threadId: thread.id, projectId: project.id })).code).toBe("bad_request");
    expect((await refusal({ threadId: 42 })).code).toBe("bad_request");
    expect((await refusal({ projectId: "x".repeat(65) })).code).toBe("bad_request");
    expect((await refusal({ threadId: "no-such-thread" })).code).toBe("not_found");
    expect((await refusal({ projectId: "no-such-project" })).code).toBe("not_found");
    expect((await refusal("everything")).code).toBe("bad_request");
    // The room still answers the same socket.
    expect((await ownerSocket.ok("agent.toolset", { threadId: thread.id })).scopes).toEqual(["read", "write"]);
  });
});
