// Deleting an OpenClaw instance leaves nothing of it to act on, in the delete's own flow:
// its threads are detached, a thread it answered has no responder (and says so in a line
// of its own), a finished chat start is cleared, its sessions and bindings are gone (and
// clients are told), and its node and its sessions' nodes leave the canvas. Driven through
// the room with a linked gateway, whose delete (unlink) needs no runtime and runs the same
// room-side removal as a hosted one's.
import { describe, expect, it } from "vitest";
import { domainNodeId, edgesMap, readGraph } from "../../../../../shared/hatchery/graph";
import { sessionNodeRef } from "../../../../../shared/hatchery/session-nodes";
import type { InstanceSessions } from "../../../../../shared/protocol/gateway";
import type { Thread } from "../../../../../shared/protocol/threads";
import { putSessions } from "../instance-store/gateway";
import { bindingsOf } from "../instance-store/gateway-bindings";
import { requireThread, updateThread } from "../threads/threads";
import { asRoom, gatewaySession } from "../../../../test/bridge-peer";
import { connected, decisionOn, idem, inAutopilot, instanceUpdated, RawSocket } from "../../../../test/harness";
import { node, openCanvas, team, until } from "../../../../test/hatchery-harness";

describe("deleting an instance", () => {
  it("detaches its threads with a line in each, leaves them with an explicit responder, clears their start, forgets its sessions and bindings, and takes it off the canvas", async () => {
    const { ws, owner, agent } = await team();
    const [o, g] = await connected(ws, { cookie: owner.cookie }, { key: agent.key });

    const { approval: link } = await g.ok("instances.link", {
      instanceId: "home",
      name: "Home",
      url: "wss://gw.example.com/openclaw",
      token: `linked-${crypto.randomUUID()}`,
      idempotencyKey: idem(),
    });
    await o.ok("approvals.resolve", decisionOn(link.id, "approve"));
    await instanceUpdated(o, (i) => i.status === "ready");

    // Answered by the instance, its start done; answered by the Autopilot with the instance's tools; a gateway session opened as a thread.
    const answered = (await o.ok("threads.create", { title: "Answered by Home", idempotencyKey: idem() })).thread;
    await o.ok("instances.attach", { instanceId: "home", threadId: answered.id, idempotencyKey: idem() });
    const assisted = (await o.ok("threads.create", { title: "Autopilot with tools", idempotencyKey: idem() })).thread;
    await o.ok("instances.attach", { instanceId: "home", threadId: assisted.id, idempotencyKey: idem() });
    await o.ok("threads.configure", { threadId: assisted.id, responder: "autopilot", idempotencyKey: idem() });
    await inAutopilot(ws, (sql) => {
      putSessions(sql, "home", [
        gatewaySession("agent:main:main", 100),
        gatewaySession(`agent:main:autopilot-${answered.id.toLowerCase()}`, 200),
      ]);
      asRoom(sql, (ctx) => {
        const thread = requireThread(ctx.sql, answered.id);
        updateThread(ctx, {
          ...thread,
          chatStart: { instanceId: "home", approvalId: link.id, messageId: "msg_first", state: "ready", error: null },
        });
      });
    });
    const opened = (
      await o.ok("sessions.open", { instanceId: "home", sessionKey: "agent:main:main", idempotencyKey: idem() })
    ).thread;
    expect(opened.responder.kind).toBe("openclaw");
    expect(opened.gateway).toMatchObject({ instanceId: "home" });

    const canvas = await openCanvas(ws, { cookie: owner.cookie });
    const instanceNode = domainNodeId("instance", "home");
    const sessionNode = domainNodeId("session", sessionNodeRef("home", "agent:main:main"));
    await until(
      () => canvas.synced && node(canvas, instanceNode) !== null && node(canvas, sessionNode) !== null,
      "the instance and its sessions on the canvas",
    );

    const { approval: unlink } = await g.ok("instances.delete", { instanceId: "home", idempotencyKey: idem() });
    await o.ok("approvals.resolve", decisionOn(unlink.id, "approve"));
    await instanceUpdated(o, (i) => i.status === "stopped");

    // Clients holding the session list are told it is empty now.
    const sessions = await o.waitFor<{ payload: InstanceSessions }>(
      (f) =>
        f.event === "sessions.changed" &&
        (f.payload as InstanceSessions).instanceId === "home" &&
        (f.payload as InstanceSessions).sessions.length === 0,
    );
    expect(sessions.payload.sessions).toEqual([]);

    // What anyone connecting now is told: no gateway, an explicit responder, no start left.
    const late = await RawSocket.open(ws, { cookie: owner.cookie });
    const hello = await late.hello();
    const byId = new Map<string, Thread>(hello.snapshot!.threads.map((t) => [t.id, t]));
    expect(byId.get(answered.id)).toMatchObject({ gateway: null, responder: { kind: "none" } });
    expect(byId.get(answered.id)!.chatStart).toBeUndefined();
    expect(byId.get(assisted.id)).toMatchObject({ gateway: null, responder: { kind: "autopilot" } });
    expect(byId.get(opened.id)).toMatchObject({ gateway: null, responder: { kind: "none" } });
    expect(hello.live?.sessions.some((s) => s.instanceId === "home")).toBe(false);
    expect(hello.snapshot!.instances).toEqual([
      expect.objectContaining({ id: "home", status: "stopped", threadIds: [] }),
    ]);

    // Each affected thread says what happened, as its newest message.
    const newest = async (threadId: string) =>
      (await late.ok("messages.list", { threadId, limit: 1 })).messages.at(-1)?.text;
    expect(await newest(answered.id)).toBe("OpenClaw instance Home was unlinked: this thread has no responder now.");
    expect(await newest(opened.id)).toBe("OpenClaw instance Home was unlinked: this thread has no responder now.");
    expect(await newest(assisted.id)).toBe(
      "OpenClaw instance Home was unlinked: the Autopilot still answers here, without its OpenClaw tools.",
    );

    // Nothing of it is left to open or bind to.
    expect(
      await late.call("sessions.open", { instanceId: "home", sessionKey: "agent:main:main", idempotencyKey: idem() }),
    ).toMatchObject({ ok: false, error: { code: "not_found" } });
    expect(await inAutopilot(ws, (sql) => bindingsOf(sql, "home"))).toEqual([]);

    // The canvas: the instance's node, its sessions' nodes and every edge to them are gone.
    await until(() => node(canvas, instanceNode) === null, "the deleted instance off the canvas");
    await until(() => readGraph(canvas.doc).nodes.every((n) => n.kind !== "session"), "its sessions off the canvas");
    expect([...edgesMap(canvas.doc).values()].some((e) => e.source === instanceNode || e.target === instanceNode)).toBe(
      false,
    );
    expect(node(canvas, domainNodeId("thread", answered.id))).not.toBeNull();
    for (const s of [o, g, late, canvas]) s.close();
  });
});
