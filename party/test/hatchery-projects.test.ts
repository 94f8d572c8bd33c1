// Projects on the canvas, through the real rooms: the Hatchery pulls `project.changed` and
// draws the project as the frame its threads sit in (the Autopilot's projects are the one
// source; the frame is derived). Threads added and taken out follow; nobody rewrites or
// deletes the frame; archived, it goes and its threads stay; a canvas built afresh from
// the Autopilot's snapshot has the frame too.
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { domainNodeId, type GraphNode, nodesMap } from "../../shared/hatchery/graph";
import { sqlFromStorage } from "../domain/sql";
import { roomEpoch } from "../rooms/autopilot/kernel/commit";
import { readGraphFeed } from "../rooms/autopilot/features/canvas/graph-feed";
import type { Autopilot } from "../rooms/autopilot/room";
import { idem, RawSocket } from "./harness";
import { node, openCanvas, team, until } from "./hatchery-harness";

const inside = (outer: GraphNode, inner: GraphNode) =>
  inner.x >= outer.x &&
  inner.y >= outer.y &&
  inner.x + inner.w <= outer.x + outer.w &&
  inner.y + inner.h <= outer.y + outer.h;

describe("projects on the canvas", () => {
  it("a project is the frame its threads sit in; changes follow; nobody rewrites it; archived it goes", async () => {
    const { owner, ws } = await team();
    const room = await RawSocket.open(ws, { cookie: owner.cookie });
    await room.hello();
    const canvas = await openCanvas(ws, { cookie: owner.cookie });
    await until(() => canvas.synced, "canvas synced");
    const threads = [];
    for (const title of ["Billing webhooks", "Postgres 16", "Release notes"])
      threads.push((await room.ok("threads.create", { title, idempotencyKey: idem() })).thread);
    const [t1, t2, t3] = threads.map((t) => domainNodeId("thread", t.id));
    await until(() => [t1, t2, t3].every((id) => node(canvas, id!) !== null), "the threads on the canvas");

    const { project } = await room.ok("projects.create", {
      name: "Release 2.4",
      threadIds: [threads[0]!.id, threads[1]!.id],
      idempotencyKey: idem(),
    });
    const frame = domainNodeId("project", project.id);
    await until(
      () => node(canvas, t1!)?.parent === frame && node(canvas, t2!)?.parent === frame,
      "the threads in the project's frame",
    );
    expect(node(canvas, frame)).toMatchObject({ kind: "project", ref: project.id, data: { name: "Release 2.4" } });
    for (const id of [t1!, t2!]) expect(inside(node(canvas, frame)!, node(canvas, id)!)).toBe(true);
    expect(node(canvas, t3!)!.parent).toBeNull();

    // A thread moves in, another out, through the room.
    await room.ok("projects.update", {
      projectId: project.id,
      addThreadIds: [threads[2]!.id],
      removeThreadIds: [threads[0]!.id],
      idempotencyKey: idem(),
    });
    await until(
      () => node(canvas, t3!)?.parent === frame && node(canvas, t1!)?.parent === null,
      "the frame following the project",
    );
    expect(inside(node(canvas, frame)!, node(canvas, t3!)!)).toBe(true);

    // The frame is the server's: a person may move it, never rename or delete it.
    canvas.doc.transact(() => nodesMap(canvas.doc).get(frame)!.set("data", { name: "Forged" }));
    await until(() => node(canvas, frame)?.data.name === "Release 2.4", "the frame's data restored");
    canvas.doc.transact(() => nodesMap(canvas.doc).delete(frame));
    await until(() => node(canvas, frame)?.data.name === "Release 2.4", "the deleted frame restored");

    await room.ok("projects.archive", { projectId: project.id, idempotencyKey: idem() });
    await until(() => node(canvas, frame) === null, "the archived project's frame gone");
    expect(node(canvas, t2!)!.parent).toBeNull();
    expect(node(canvas, t3!)!.parent).toBeNull();

    // Restored, it is drawn again; and the snapshot a canvas is built from afresh carries it.
    await room.ok("projects.archive", { projectId: project.id, archived: false, idempotencyKey: idem() });
    await until(() => node(canvas, t2!)?.parent === frame, "the restored project's frame");
    const autopilots = (env as unknown as { Autopilot: DurableObjectNamespace<Autopilot> }).Autopilot;
    const feed = await runInDurableObject(autopilots.get(autopilots.idFromName(ws)), (_room, state) => {
      const sql = sqlFromStorage(state.storage);
      return readGraphFeed(sql, roomEpoch(sql), 0, null, 500);
    });
    expect(feed.snapshot?.projects.map((p) => [p.id, p.threadIds])).toEqual([
      [project.id, [threads[1]!.id, threads[2]!.id]],
    ]);
    canvas.close();
    room.close();
  });
});
