import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { Activity } from "../../../shared/hatchery/activity";
import {
  domainNodeId,
  edgesMap,
  type NodeKind,
  nodesMap,
  readGraph,
  readNode,
  writeNode,
} from "../../../shared/hatchery/graph";
import { getDomainNode, putDomainNode } from "../../domain/canvas-records";
import { getMeta, setMeta } from "../../domain/meta";
import { sqlFromStorage } from "../../domain/sql";
import { appendUpdate, loadDoc } from "../../domain/ydoc-store";
import { connected, idem, RawSocket } from "../../test/harness";
import { askAndStart, latestSeq, node, openCanvas, pulledUpTo, team, until } from "../../test/hatchery-harness";

describe("a Hatchery document written before activity folded into its subject", () => {
  it("loses its approval, job and tool nodes and their edges once, and the next projection fills the thread's activity", async () => {
    const { owner, agent, ws } = await team();
    const [room, bot] = await connected(ws, { cookie: owner.cookie }, { key: agent.key });
    // Watched while the work below is made, so that it is poked and pulled (decision 102).
    const watcher = await openCanvas(ws, { cookie: owner.cookie });
    await until(() => watcher.synced, "the watcher synced");
    const { thread } = await room.ok("threads.create", { title: "Release", idempotencyKey: idem() });
    const { approval, job } = await askAndStart(bot, thread.id, { approval: "Deploy", risk: "high", job: "Build" });
    const hatcheries = (env as unknown as { Hatchery: DurableObjectNamespace }).Hatchery;
    const hatchery = hatcheries.get(hatcheries.idFromName(ws));
    await pulledUpTo(hatchery, Math.max(latestSeq(room), latestSeq(bot)));
    watcher.close();
    await evictDurableObject(hatchery);

    // Rewrite the stored document the way the old projection wrote it: the activity as
    // nodes linked to their thread (each with its guard record), the thread without it.
    const threadId = domainNodeId("thread", thread.id);
    const old = [
      { id: `approval:${approval.id}`, kind: "approval", data: { title: "Deploy", status: "pending" } },
      { id: `job:${job.id}`, kind: "job", data: { title: "Build", status: "running", progress: 0 } },
      { id: "tool:run1/call_0", kind: "tool", data: { name: "threads_rename", status: "ok", threadId: thread.id } },
    ];
    await runInDurableObject(hatchery, (_room, state) => {
      const sql = sqlFromStorage(state.storage);
      const doc = loadDoc(sql);
      doc.on("update", (update: Uint8Array) => appendUpdate(sql, update));
      doc.transact(() => {
        const current = readNode(threadId, nodesMap(doc).get(threadId)!);
        const { activity: _gone, ...data } = current.data;
        nodesMap(doc).get(threadId)!.set("data", data);
        old.forEach((o, i) => {
          writeNode(doc, {
            id: o.id,
            kind: o.kind as NodeKind,
            ref: o.id.slice(o.kind.length + 1),
            x: 400 * i,
            y: 600,
            w: 220,
            h: 84,
            placed: "auto",
            parent: null,
            data: o.data,
          });
          edgesMap(doc).set(`${o.id}->${threadId}`, {
            id: `${o.id}->${threadId}`,
            source: o.id,
            target: threadId,
            kind: "domain",
            label: "of",
          });
          putDomainNode(sql, o.id, { kind: o.kind, ref: o.id.slice(o.kind.length + 1), data: o.data });
        });
      });
      expect(readGraph(loadDoc(sql)).nodes).toHaveLength(4);
    });

    const canvas = await openCanvas(ws, { cookie: owner.cookie });
    const entries = () => (node(canvas, threadId)?.data.activity as Activity | undefined)?.entries ?? [];
    await until(() => canvas.synced && entries().length === 2, "the thread's activity filled again");
    expect(
      entries()
        .map((e) => e.ref)
        .sort(),
    ).toEqual([`approval:${approval.id}`, `job:${job.id}`].sort());
    const { nodes, edges } = readGraph(canvas.doc);
    expect(nodes.map((n) => n.id)).toEqual([threadId]);
    expect(edges).toEqual([]);

    // Stored, with the guard records gone and the feed back on the Autopilot's epoch.
    await evictDurableObject(hatchery);
    await runInDurableObject(hatchery, (_room, state) => {
      const sql = sqlFromStorage(state.storage);
      expect(readGraph(loadDoc(sql)).nodes.map((n) => n.id)).toEqual([threadId]);
      for (const o of old) expect(getDomainNode(sql, o.id)).toBeNull();
      expect(getMeta(sql, "domainEpoch")).not.toBe("");
    });
    const again = await openCanvas(ws, { cookie: owner.cookie });
    await until(() => again.synced && node(again, threadId) !== null, "reloaded");
    expect((node(again, threadId)!.data.activity as Activity).entries).toHaveLength(2);
    for (const c of [canvas, again]) c.close();
    for (const s of [room, bot]) s.close();
  });
});

describe("a Hatchery document checked before archived threads left the canvas", () => {
  it("loses the archived threads it still shows, once, at its next wake", async () => {
    const { owner, ws } = await team();
    const room = await RawSocket.open(ws, { cookie: owner.cookie });
    await room.hello();
    const watcher = await openCanvas(ws, { cookie: owner.cookie });
    await until(() => watcher.synced, "the watcher synced");
    const { thread } = await room.ok("threads.create", { title: "Shelved", idempotencyKey: idem() });
    const { thread: kept } = await room.ok("threads.create", { title: "Kept", idempotencyKey: idem() });
    await room.ok("threads.archive", { threadId: thread.id, idempotencyKey: idem() });
    const hatcheries = (env as unknown as { Hatchery: DurableObjectNamespace }).Hatchery;
    const hatchery = hatcheries.get(hatcheries.idFromName(ws));
    await pulledUpTo(hatchery, latestSeq(room));
    watcher.close();
    await evictDurableObject(hatchery);

    // The stored document as the room kept it then: the archived thread's node, recorded,
    // and the document marked as checked against a snapshot under the earlier rule.
    const shelved = domainNodeId("thread", thread.id);
    await runInDurableObject(hatchery, (_room, state) => {
      const sql = sqlFromStorage(state.storage);
      const doc = loadDoc(sql);
      doc.on("update", (update: Uint8Array) => appendUpdate(sql, update));
      const data = { title: "Shelved", archived: true, messageCount: 0, lastMessageAt: null };
      doc.transact(() =>
        writeNode(doc, {
          id: shelved,
          kind: "thread",
          ref: thread.id,
          x: 900,
          y: 900,
          w: 220,
          h: 84,
          placed: "auto",
          parent: null,
          data,
        }),
      );
      putDomainNode(sql, shelved, { kind: "thread", ref: thread.id, data });
      setMeta(sql, "domainHeal", "1");
      expect(nodesMap(loadDoc(sql)).has(shelved)).toBe(true);
    });

    const canvas = await openCanvas(ws, { cookie: owner.cookie });
    await until(() => canvas.synced && node(canvas, shelved) === null, "the archived thread gone at the next wake");
    expect(node(canvas, domainNodeId("thread", kept.id))?.data.title).toBe("Kept");
    await runInDurableObject(hatchery, (_room, state) =>
      expect(getDomainNode(sqlFromStorage(state.storage), shelved)).toBeNull(),
    );
    canvas.close();
    room.close();
  });
});
