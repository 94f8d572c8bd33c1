import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import type { Activity } from "../../../shared/hatchery/activity";
import { domainNodeId, edgesMap, nodesMap, readGraph } from "../../../shared/hatchery/graph";
import { getMeta } from "../../domain/meta";
import { sqlFromStorage } from "../../domain/sql";
import { connected, createKey, idem, RawSocket, signUp } from "../../test/harness";
import {
  askAndStart,
  latestSeq,
  node,
  openCanvas,
  pulledUpTo,
  syncedCanvases,
  team,
  until,
} from "../../test/hatchery-harness";

describe("Hatchery room", () => {
  it("sits behind the same gate as the Autopilot", async () => {
    const alice = await signUp();
    const bob = await signUp();
    const anon = await openCanvas(alice.workspaceId, {});
    await until(() => anon.closed !== null, "anonymous refused");
    expect(anon.closed!.code).toBe(4001);
    const foreign = await openCanvas(alice.workspaceId, { cookie: bob.cookie });
    await until(() => foreign.closed !== null, "foreign refused");
    expect(foreign.closed!.code).toBe(4003);
  });

  it("domain nodes follow the Autopilot: threads are nodes; approvals (with who decided) and jobs fold into their thread's activity", async () => {
    const { owner, member, agent, ws } = await team();
    const canvas = await openCanvas(ws, { cookie: owner.cookie });
    const [room, bot, mem] = await connected(
      ws,
      { cookie: owner.cookie },
      { key: agent.key },
      { cookie: member.cookie },
    );
    await until(() => canvas.synced, "canvas synced");

    const { thread } = await room.ok("threads.create", { title: "Launch", idempotencyKey: idem() });
    const threadNode = domainNodeId("thread", thread.id);
    await until(() => node(canvas, threadNode)?.data.title === "Launch", "thread node");
    await bot.ok("chat.send", { threadId: thread.id, text: "Build green", idempotencyKey: idem() });
    await until(
      () => (node(canvas, threadNode)?.data.lastMessage as { text?: string } | undefined)?.text === "Build green",
      "message preview",
    );

    const activity = () => node(canvas, threadNode)?.data.activity as Activity | undefined;
    const entry = (ref: string) => activity()?.entries.find((e) => e.ref === ref);
    const { approval } = await bot.ok("approvals.request", {
      title: "Deploy",
      threadId: thread.id,
      risk: "high",
      idempotencyKey: idem(),
    });
    await until(() => entry(`approval:${approval.id}`)?.status === "pending", "approval in the thread's activity");
    expect(activity()!.attention.approvals).toBe(1);
    await mem.ok("approvals.resolve", { approvalId: approval.id, decision: "approve", idempotencyKey: idem() });
    await until(() => entry(`approval:${approval.id}`)?.status === "approved", "approval resolved in the activity");
    expect(entry(`approval:${approval.id}`)!.detail).toBe(`approved by ${member.name}`);
    expect(activity()!.attention.approvals).toBe(0);

    const { job } = await bot.ok("jobs.start", { title: "Index", threadId: thread.id, idempotencyKey: idem() });
    await bot.ok("jobs.update", { jobId: job.id, progress: 65, message: "halfway", idempotencyKey: idem() });
    await until(() => entry(`job:${job.id}`)?.progress === 65, "job progress in the activity");
    expect(activity()!.attention.running).toBe(1);
    await bot.ok("jobs.finish", { jobId: job.id, idempotencyKey: idem() });
    await until(() => entry(`job:${job.id}`)?.status === "succeeded", "finished job stays in the activity");
    expect(activity()).toMatchObject({
      counts: { approval: 1, job: 1, tool: 0 },
      attention: { approvals: 0, running: 0, failed: 0 },
    });
    // Activity is never a node, nor an edge end.
    const { nodes, edges } = readGraph(canvas.doc);
    expect(nodes.map((n) => n.kind).filter((k) => !["thread", "instance", "session"].includes(k))).toEqual([]);
    expect(
      edges.filter((e) => /^(approval|job|tool):/.test(e.source) || /^(approval|job|tool):/.test(e.target)),
    ).toEqual([]);
    for (const s of [room, bot, mem]) s.close();
    canvas.close();
  });

  it("an archived thread leaves the canvas with its activity, stays gone while its work goes on, and comes back whole", async () => {
    const { owner, agent, ws } = await team();
    const canvas = await openCanvas(ws, { cookie: owner.cookie });
    const [room, bot] = await connected(ws, { cookie: owner.cookie }, { key: agent.key });
    const hatcheries = (env as unknown as { Hatchery: DurableObjectNamespace }).Hatchery;
    const hatchery = hatcheries.get(hatcheries.idFromName(ws));
    const { thread } = await room.ok("threads.create", { title: "Old work", idempotencyKey: idem() });
    const { thread: other } = await room.ok("threads.create", { title: "Still here", idempotencyKey: idem() });
    const id = domainNodeId("thread", thread.id);
    const activity = () => node(canvas, id)?.data.activity as Activity | undefined;
    const { approval, job } = await askAndStart(bot, thread.id, { approval: "Ship it", risk: "low", job: "Index" });
    await until(() => activity()?.counts.approval === 1 && activity()?.counts.job === 1, "activity folded in");

    await room.ok("threads.archive", { threadId: thread.id, idempotencyKey: idem() });
    await until(() => node(canvas, id) === null, "the archived thread leaves the canvas");
    expect(node(canvas, domainNodeId("thread", other.id))?.data.title).toBe("Still here");
    expect(readGraph(canvas.doc).edges.filter((e) => e.source === id || e.target === id)).toEqual([]);
    // Its work goes on while it is archived; none of it brings the node back.
    await bot.ok("jobs.finish", { jobId: job.id, idempotencyKey: idem() });
    await pulledUpTo(hatchery, latestSeq(room));
    expect(node(canvas, id)).toBeNull();

    await room.ok("threads.archive", { threadId: thread.id, archived: false, idempotencyKey: idem() });
    // Back with its activity as it is now: the approval still waiting, the job finished meanwhile.
    await until(
      () =>
        activity()?.entries.find((e) => e.ref === `job:${job.id}`)?.status === "succeeded" &&
        activity()?.entries.find((e) => e.ref === `approval:${approval.id}`)?.status === "pending",
      "the restored thread with its approval and job",
    );
    expect(node(canvas, id)?.data.title).toBe("Old work");
    expect(activity()!.attention.approvals).toBe(1);
    for (const s of [room, bot]) s.close();
    canvas.close();
  });

  it("people own the layout: a move is shared live and never undone by the server; nodes never overlap", async () => {
    const { owner, member, ws } = await team();
    const a = await openCanvas(ws, { cookie: owner.cookie });
    const b = await openCanvas(ws, { cookie: member.cookie });
    const room = await RawSocket.open(ws, { cookie: owner.cookie });
    await room.hello();
    await until(() => a.synced && b.synced, "both synced");
    const threads: string[] = [];
    for (let i = 0; i < 12; i++) {
      const { thread } = await room.ok("threads.create", { title: `T${i}`, idempotencyKey: idem() });
      threads.push(thread.id);
      await room.ok("jobs.start", { title: `J${i}`, threadId: thread.id, idempotencyKey: idem() });
    }
    // Jobs fold into their thread: 12 nodes, each with its job in its activity.
    await until(
      () =>
        readGraph(b.doc).nodes.length === 12 &&
        readGraph(b.doc).nodes.every((n) => (n.data.activity as Activity | undefined)?.counts.job === 1),
      "12 threads with their jobs at B",
    );
    const boxes = readGraph(b.doc).nodes;
    for (const p of boxes) {
      for (const q of boxes) {
        if (p.id >= q.id) continue;
        const apart = p.x + p.w <= q.x || q.x + q.w <= p.x || p.y + p.h <= q.y || q.y + q.h <= p.y;
        expect(apart, `${p.id} overlaps ${q.id}`).toBe(true);
      }
    }
    const id = domainNodeId("thread", threads[0]!);
    a.doc.transact(() => {
      const m = nodesMap(a.doc).get(id)!;
      m.set("x", 4321);
      m.set("y", -77);
      m.set("placed", "pinned");
    });
    await until(() => node(b, id)?.x === 4321, "B sees the move");
    await room.ok("threads.rename", { threadId: threads[0]!, title: "Renamed", idempotencyKey: idem() });
    await until(() => node(b, id)?.data.title === "Renamed", "rename reaches B");
    expect(node(b, id)).toMatchObject({ x: 4321, y: -77, placed: "pinned" });
    room.close();
    a.close();
    b.close();
  });

  it("viewers and read-only keys cannot write the document; an agent with write moves like a person; nobody rewrites or deletes a domain node", async () => {
    const { owner, viewer, agent, ws } = await team();
    const reader = await createKey(owner, ws, ["read"], "reader");
    const room = await RawSocket.open(ws, { cookie: owner.cookie });
    await room.hello();
    const { thread } = await room.ok("threads.create", { title: "Guarded", idempotencyKey: idem() });
    const id = domainNodeId("thread", thread.id);
    const owners = await openCanvas(ws, { cookie: owner.cookie });
    const viewers = await openCanvas(ws, { cookie: viewer.cookie });
    const readers = await openCanvas(ws, { key: reader.key });
    const bots = await openCanvas(ws, { key: agent.key });
    await until(() => [owners, viewers, readers, bots].every((c) => node(c, id) !== null), "all see the thread");

    viewers.doc.transact(() => nodesMap(viewers.doc).get(id)!.set("x", 999_999));
    readers.doc.transact(() => nodesMap(readers.doc).get(id)!.set("y", 888_888));
    // A marker write by the owner proves the room processed everything sent before it.
    owners.doc.transact(() => nodesMap(owners.doc).get(id)!.set("w", 250));
    const fresh = await openCanvas(ws, { cookie: owner.cookie });
    await until(() => node(fresh, id)?.w === 250, "marker reached a fresh client");
    expect(node(fresh, id)!.x).not.toBe(999_999);
    expect(node(fresh, id)!.y).not.toBe(888_888);
    // The agent's key holds write: its move lands, reviewed like a person's.
    bots.doc.transact(() => nodesMap(bots.doc).get(id)!.set("x", 777));
    await until(() => node(fresh, id)?.x === 777 && node(owners, id)?.x === 777, "the agent's move reached everyone");
    bots.doc.transact(() => nodesMap(bots.doc).get(id)!.set("data", { title: "forged by an agent" }));
    await until(() => node(bots, id)?.data.title === "Guarded", "the agent's rewrite undone");

    // The owner may move it, but not rewrite what it is, nor delete it.
    owners.doc.transact(() => nodesMap(owners.doc).get(id)!.set("data", { title: "forged" }));
    await until(
      () => node(fresh, id)?.data.title === "Guarded" && node(owners, id)?.data.title === "Guarded",
      "data restored",
    );
    owners.doc.transact(() => nodesMap(owners.doc).delete(id));
    await until(
      () => node(fresh, id) !== null && node(owners, id)?.data.title === "Guarded",
      "deleted domain node restored",
    );
    for (const c of [owners, viewers, readers, bots, fresh]) c.close();
    room.close();
  });

  it("agents change the graph through graph.apply: validated, all-or-nothing, idempotent", async () => {
    const { owner, agent, viewer, ws } = await team();
    const [room, bot, view] = await connected(
      ws,
      { cookie: owner.cookie },
      { key: agent.key },
      { cookie: viewer.cookie },
    );
    const canvas = await openCanvas(ws, { cookie: owner.cookie });
    const { thread } = await room.ok("threads.create", { title: "Plan", idempotencyKey: idem() });
    const threadNode = domainNodeId("thread", thread.id);
    await until(() => node(canvas, threadNode) !== null, "thread on canvas");

    const key = idem();
    const applied = await bot.ok("graph.apply", {
      idempotencyKey: key,
      commands: [
        { op: "note.add", text: "Remember the changelog", near: threadNode },
        { op: "node.move", nodeId: threadNode, x: 100, y: 200 },
      ],
    });
    expect(applied.applied).toBe(2);
    const noteId = applied.created[0]!;
    await until(() => node(canvas, noteId)?.data.text === "Remember the changelog", "note on canvas");
    await until(() => node(canvas, threadNode)?.x === 100, "moved by agent");
    const linked = await bot.ok("graph.apply", {
      idempotencyKey: idem(),
      commands: [
        { op: "edge.add", source: noteId, target: threadNode, label: "about" },
        { op: "group.add", label: "Release", nodeIds: [noteId, threadNode] },
      ],
    });
    await until(
      () => edgesMap(canvas.doc).has(linked.created[0]!) && node(canvas, linked.created[1]!)?.kind === "group",
      "edge and group",
    );
    expect(node(canvas, threadNode)!.parent).toBe(linked.created[1]);
    // Grouping gathers the members into the group's box (decision 26).
    const release = node(canvas, linked.created[1]!)!;
    for (const m of [node(canvas, threadNode)!, node(canvas, noteId)!]) {
      expect(
        m.x >= release.x &&
          m.y >= release.y &&
          m.x + m.w <= release.x + release.w &&
          m.y + m.h <= release.y + release.h,
        `${m.id} inside the group`,
      ).toBe(true);
    }
    const nested = await bot.call("graph.apply", {
      idempotencyKey: idem(),
      commands: [{ op: "group.add", label: "Outer", nodeIds: [linked.created[1]!] }],
    });
    expect(nested).toMatchObject({
      ok: false,
      error: { code: "bad_request", message: expect.stringContaining("another group") },
    });

    const again = await bot.ok("graph.apply", {
      idempotencyKey: key,
      commands: [
        { op: "note.add", text: "Remember the changelog", near: threadNode },
        { op: "node.move", nodeId: threadNode, x: 100, y: 200 },
      ],
    });
    expect(again).toEqual(applied);
    const before = readGraph(canvas.doc).nodes.length;
    const bad = await bot.call("graph.apply", {
      idempotencyKey: idem(),
      commands: [
        { op: "note.add", text: "ok" },
        { op: "node.move", nodeId: "thread:nope", x: 1, y: 1 },
      ],
    });
    expect(bad).toMatchObject({ ok: false, error: { code: "not_found" } });
    // Approvals, jobs and tool calls are not nodes: a command naming one is refused as such.
    const folded = await bot.call("graph.apply", {
      idempotencyKey: idem(),
      commands: [{ op: "edge.add", source: threadNode, target: "approval:apr_1" }],
    });
    expect(folded).toMatchObject({
      ok: false,
      error: { code: "bad_request", message: expect.stringContaining("activity") },
    });
    const malformed = await bot.call("graph.apply", {
      idempotencyKey: idem(),
      commands: [{ op: "node.delete", nodeId: threadNode }],
    });
    expect(malformed).toMatchObject({ ok: false, error: { code: "bad_request" } });
    const byViewer = await view.call("graph.apply", {
      idempotencyKey: idem(),
      commands: [{ op: "note.add", text: "x" }],
    });
    expect(byViewer).toMatchObject({ ok: false, error: { code: "forbidden" } });
    // The Hatchery applies graph.apply calls one after another and sends each change to the
    // canvas as it makes it: once this later move is on the canvas, anything the refused
    // calls had written would be too.
    await bot.ok("graph.apply", {
      idempotencyKey: idem(),
      commands: [{ op: "node.move", nodeId: threadNode, x: 321, y: 654 }],
    });
    await until(() => node(canvas, threadNode)?.x === 321, "a later move on the canvas");
    expect(readGraph(canvas.doc).nodes.length).toBe(before);
    for (const s of [room, bot, view]) s.close();
    canvas.close();
  });

  it("survives hibernation: the document is rebuilt from SQLite and catches up with the Autopilot", async () => {
    const { owner, ws } = await team();
    const room = await RawSocket.open(ws, { cookie: owner.cookie });
    await room.hello();
    const { thread } = await room.ok("threads.create", { title: "Persisted", idempotencyKey: idem() });
    const first = await openCanvas(ws, { cookie: owner.cookie });
    const id = domainNodeId("thread", thread.id);
    await until(() => node(first, id) !== null, "thread on canvas");
    first.doc.transact(() => nodesMap(first.doc).get(id)!.set("x", 777));
    const witness = await openCanvas(ws, { cookie: owner.cookie });
    await until(() => node(witness, id)?.x === 777, "move stored");
    first.close();
    witness.close();
    const hatcheries = (env as unknown as { Hatchery: DurableObjectNamespace }).Hatchery;
    await evictDurableObject(hatcheries.get(hatcheries.idFromName(ws)));
    const later = await openCanvas(ws, { cookie: owner.cookie });
    await until(() => node(later, id)?.x === 777, "position survived eviction");
    await room.ok("threads.rename", { threadId: thread.id, title: "After wake", idempotencyKey: idem() });
    await until(() => node(later, id)?.data.title === "After wake", "caught up after wake");
    later.close();
    room.close();
  });

  it("a poke that reaches a Hatchery not running starts it before it pulls, so what it pulls is stored", async () => {
    const { owner, ws } = await team();
    const room = await RawSocket.open(ws, { cookie: owner.cookie });
    await room.hello();
    const hatcheries = (env as unknown as { Hatchery: DurableObjectNamespace }).Hatchery;
    const hatchery = hatcheries.get(hatcheries.idFromName(ws));
    // Watched (only a watched canvas is poked): its socket hibernates through the evictions below.
    const watcher = await openCanvas(ws, { cookie: owner.cookie });
    await until(() => watcher.synced, "the watcher synced");
    await room.ok("threads.create", { title: "Before", idempotencyKey: idem() });
    await pulledUpTo(hatchery, latestSeq(room));
    await evictDurableObject(hatchery);
    // The room's poke (an RPC, no socket or fetch) wakes it: unstarted, the pull would only
    // reach memory, and the next wake would find the node neither stored nor to be pulled.
    const { thread } = await room.ok("threads.create", { title: "Poked awake", idempotencyKey: idem() });
    // Evicted only once the poke's pull has recorded its seq, which is what a pull into
    // memory alone would also do: the canvas below then shows whether it was stored.
    await pulledUpTo(hatchery, latestSeq(room));
    await evictDurableObject(hatchery);
    const canvas = await openCanvas(ws, { cookie: owner.cookie });
    await until(
      () => node(canvas, domainNodeId("thread", thread.id))?.data.title === "Poked awake",
      "pulled node stored",
    );
    canvas.close();
    watcher.close();
    room.close();
  });

  it("a canvas nobody watches catches up at its first socket and is poked again; graph.apply meanwhile sees the newest nodes", async () => {
    const { owner, agent, ws } = await team();
    const [room, bot] = await connected(ws, { cookie: owner.cookie }, { key: agent.key });
    const hatcheries = (env as unknown as { Hatchery: DurableObjectNamespace }).Hatchery;
    const hatchery = hatcheries.get(hatcheries.idFromName(ws));
    await room.ok("threads.create", { title: "First", idempotencyKey: idem() });
    // The room pokes until a poke's answer says nobody watches, and keeps that in its meta
    // (link.room.test.ts: from then on it pokes no more).
    await pulledUpTo(hatchery, latestSeq(room));
    const rooms = (env as unknown as { Autopilot: DurableObjectNamespace }).Autopilot;
    const unwatchedSince = () =>
      runInDurableObject(rooms.get(rooms.idFromName(ws)), (_room, state) =>
        getMeta(sqlFromStorage(state.storage), "canvasUnwatched"),
      );
    await vi.waitFor(async () => expect(await unwatchedSince()).toBeTruthy(), { timeout: 8000, interval: 20 });
    // An agent writes beside a thread made while nobody watched: the Hatchery pulls before it applies.
    const { thread: unseen } = await room.ok("threads.create", { title: "Unseen", idempotencyKey: idem() });
    const unseenNode = domainNodeId("thread", unseen.id);
    const { created } = await bot.ok("graph.apply", {
      idempotencyKey: idem(),
      commands: [{ op: "note.add", text: "about Unseen", near: unseenNode }],
    });
    await bot.ok("graph.apply", {
      idempotencyKey: idem(),
      commands: [{ op: "edge.add", source: created[0]!, target: unseenNode, label: "about" }],
    });
    const canvas = await openCanvas(ws, { cookie: owner.cookie });
    await until(() => node(canvas, unseenNode)?.data.title === "Unseen", "caught up at the first socket");
    expect(readGraph(canvas.doc).edges.some((e) => e.source === created[0] && e.target === unseenNode)).toBe(true);
    // Watched again: the next commit reaches the open canvas.
    await room.ok("threads.rename", { threadId: unseen.id, title: "Seen", idempotencyKey: idem() });
    await until(() => node(canvas, unseenNode)?.data.title === "Seen", "poked again");
    expect(await unwatchedSince()).toBe("");
    canvas.close();
    room.close();
    bot.close();
  });

  it("shares live cursors and selection through awareness", async () => {
    const { owner, member, ws } = await team();
    const [a, b] = await syncedCanvases(ws, { cookie: owner.cookie }, { cookie: member.cookie });
    a.awareness.setLocalStateField("cursor", { x: 10, y: 20 });
    a.awareness.setLocalStateField("user", { name: owner.name });
    await until(
      () => [...b.awareness.getStates().values()].some((s) => (s as { cursor?: { x: number } }).cursor?.x === 10),
      "cursor at B",
    );
    a.close();
    b.close();
  });
});
