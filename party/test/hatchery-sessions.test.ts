// Gateway sessions reach the canvas: they are no durable events, so the Autopilot's graph
// feed carries each instance's current list (with a digest, so an unchanged list is not
// sent again) and the Hatchery makes its session nodes match it, linked to their instance
// and to the thread open as each. Here the session list is written as the bridge writes it
// (client/test/gateway-in-app/sessions-canvas.ts does it with a real gateway).
import { env } from "cloudflare:workers";
import { getServerByName } from "partyserver";
import { describe, expect, it } from "vitest";
import { domainNodeId, edgeId, edgesMap, nodesMap, readGraph } from "../../shared/hatchery/graph";
import { SESSION_NODES_PER_INSTANCE, sessionNodeRef } from "../../shared/hatchery/session-nodes";
import { roomEpoch } from "../rooms/autopilot/kernel/commit";
import { forgetInstance, putSessions } from "../rooms/autopilot/features/instance-store/gateway";
import { bindThread } from "../rooms/autopilot/features/instance-store/gateway-bindings";
import { readGraphFeed } from "../rooms/autopilot/features/canvas/graph-feed";
import type { Autopilot } from "../rooms/autopilot/room";
import type { Hatchery } from "../rooms/hatchery/room";
import { gatewaySession, seedInstance } from "./bridge-peer";
import { idem, inAutopilot, RawSocket } from "./harness";
import { node, syncedCanvases, team, until } from "./hatchery-harness";

const ns = env as unknown as {
  Autopilot: DurableObjectNamespace<Autopilot>;
  Hatchery: DurableObjectNamespace<Hatchery>;
};

/** What `sessionsChanged` does after the bridge's refresh: the Hatchery pulls. */
const pull = async (ws: string) => (await getServerByName(ns.Hatchery, ws)).sync();

describe("gateway sessions on the canvas", () => {
  it("the feed carries the capped session list on a caught-up page, and only when its digest changed", async () => {
    const { ws, owner } = await team();
    const room = await RawSocket.open(ws, { cookie: owner.cookie });
    await room.hello();
    await inAutopilot(ws, (sql) => {
      // Two durable events, so a one-event page does not catch up.
      seedInstance(sql, { id: "other" });
      seedInstance(sql);
      putSessions(
        sql,
        "inst",
        Array.from({ length: SESSION_NODES_PER_INSTANCE + 5 }, (_, i) => gatewaySession(`s${i}`, i)),
      );
      const epoch = roomEpoch(sql);
      const first = readGraphFeed(sql, epoch, 0, epoch, 500);
      expect(first.more).toBe(false);
      expect(first.sessions!.instances).toHaveLength(1);
      const listed = first.sessions!.instances[0]!.sessions;
      expect(listed).toHaveLength(SESSION_NODES_PER_INSTANCE);
      expect(listed[0]!.key).toBe(`s${SESSION_NODES_PER_INSTANCE + 4}`);
      // The same digest back: nothing to send.
      expect(readGraphFeed(sql, epoch, first.seq, epoch, 500, null, first.sessions!.digest).sessions).toBeNull();
      // A page that does not catch up carries none (what they link to may come later).
      expect(readGraphFeed(sql, epoch, 0, epoch, 1).sessions).toBeNull();
      // A binding changes what a session shows, so the digest too.
      bindThread(sql, "thr_x", { instanceId: "inst", sessionKey: "s10" });
      expect(readGraphFeed(sql, epoch, first.seq, epoch, 500, null, first.sessions!.digest).sessions).not.toBeNull();
    });
    room.close();
  });

  it("sessions show as nodes linked to instance and thread, follow the list, leave with their instance, and people cannot rewrite them", async () => {
    const { ws, owner, member } = await team();
    const room = await RawSocket.open(ws, { cookie: owner.cookie });
    await room.hello();
    const { thread } = await room.ok("threads.create", { title: "Ops chat", idempotencyKey: idem() });
    const [canvas, other] = await syncedCanvases(ws, { cookie: owner.cookie }, { cookie: member.cookie });

    await inAutopilot(ws, (sql) => {
      seedInstance(sql, { threadIds: [thread.id] });
      bindThread(sql, thread.id, { instanceId: "inst", sessionKey: `autopilot-${thread.id}` });
      // The gateway lists the thread's session under its canonical key.
      putSessions(sql, "inst", [
        gatewaySession("agent:main:main", 100),
        gatewaySession(`agent:main:autopilot-${thread.id}`, 200),
      ]);
    });
    await pull(ws);
    const main = domainNodeId("session", sessionNodeRef("inst", "agent:main:main"));
    const bound = domainNodeId("session", sessionNodeRef("inst", `agent:main:autopilot-${thread.id}`));
    await until(() => node(canvas, bound) !== null && node(canvas, main) !== null, "session nodes");
    expect(node(canvas, bound)!.data).toMatchObject({
      title: `Label agent:main:autopilot-${thread.id}`,
      threadId: thread.id,
      instanceId: "inst",
      updatedAt: 200,
    });
    const edges = edgesMap(canvas.doc);
    expect(edges.get(edgeId(bound, "instance:inst"))).toMatchObject({ kind: "domain", label: "session of" });
    expect(edges.get(edgeId(bound, domainNodeId("thread", thread.id)))).toMatchObject({
      kind: "domain",
      label: "open as",
    });
    expect(edges.get(edgeId(main, "instance:inst"))).toBeTruthy();

    // A person may move a session node but not rewrite it: the room sets it back.
    other.doc.transact(() =>
      nodesMap(other.doc).get(bound)!.set("data", { title: "FORGED", threadId: "thr_elsewhere" }),
    );
    await until(() => other.refusals().some((r) => r.code === "repaired"), "refused");
    await until(
      () => node(other, bound)?.data.title === `Label agent:main:autopilot-${thread.id}`,
      "set back at the writer",
    );
    expect(node(canvas, bound)!.data.threadId).toBe(thread.id);

    // The gateway forgot "main": its node goes, and stays gone.
    await inAutopilot(ws, (sql) =>
      putSessions(sql, "inst", [gatewaySession(`agent:main:autopilot-${thread.id}`, 300)]),
    );
    await pull(ws);
    await until(() => node(canvas, main) === null, "gone session removed");
    expect(node(canvas, bound)!.data.updatedAt).toBe(300);
    expect(edges.get(edgeId(main, "instance:inst"))).toBeUndefined();

    // The instance is deleted: every session of it leaves the canvas.
    await inAutopilot(ws, (sql) => forgetInstance(sql, "inst"));
    await pull(ws);
    await until(
      () => readGraph(canvas.doc).nodes.every((n) => n.kind !== "session"),
      "sessions of a deleted instance removed",
    );
    expect([...edgesMap(canvas.doc).keys()].some((id) => id.startsWith("session:"))).toBe(false);
    for (const s of [room, canvas, other]) s.close();
  });
});
