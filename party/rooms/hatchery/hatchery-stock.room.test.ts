import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import * as decoding from "lib0/decoding";
import { describe, expect, it } from "vitest";
import * as authProtocol from "y-protocols/auth";
import * as Y from "yjs";
import { domainNodeId, nodesMap } from "../../../shared/hatchery/graph";
import { parseRefusal } from "../../../shared/hatchery/refusal";
import { noteFields, stockNode } from "../../../shared/test/hatchery-fuzz-ops";
import { getMeta } from "../../domain/meta";
import { sqlFromStorage } from "../../domain/sql";
import { CHECKED_VERSION } from "./heal";
import type { Hatchery } from "./room";
import { idem, RawSocket } from "../../test/harness";
import { type Canvas, node, openCanvas, team, until } from "../../test/hatchery-harness";

// A stock Yjs client (the yjs API and y-protocols, none of the app's code) writing the
// canvas as docs/architecture.md describes it. Each write wakes the room (its socket stays
// open while the room is evicted, as it does across hibernation), so the room applies it to
// a document it has just rebuilt from storage: the case where one person's note once
// emptied the whole canvas for everyone.

const THREADS = 25;
const hatchery = (ws: string) => {
  const ns = (env as unknown as { Hatchery: DurableObjectNamespace }).Hatchery;
  return ns.get(ns.idFromName(ws));
};

async function canvasOfThreads() {
  const people = await team();
  const room = await RawSocket.open(people.ws, { cookie: people.owner.cookie });
  await room.hello();
  const threads: Array<{ id: string; ref: string; title: string }> = [];
  for (let i = 0; i < THREADS; i++) {
    const { thread } = await room.ok("threads.create", { title: `Thread ${i}`, idempotencyKey: idem() });
    threads.push({ id: domainNodeId("thread", thread.id), ref: thread.id, title: `Thread ${i}` });
  }
  const writer = await openCanvas(people.ws, { cookie: people.member.cookie });
  await until(() => threads.every((t) => node(writer, t.id) !== null), "the threads on the canvas");
  return { ...people, room, threads, writer };
}

/** Every thread node is there, as the server wrote it, for a client that syncs afresh. */
async function threadsForAFreshClient(
  ws: string,
  cookie: string,
  threads: Array<{ id: string; title: string }>,
): Promise<Canvas> {
  const fresh = await openCanvas(ws, { cookie });
  await fresh.whenSynced();
  expect(threads.filter((t) => node(fresh, t.id)?.data.title !== t.title).map((t) => t.id)).toEqual([]);
  return fresh;
}

const nodes = (c: Canvas) => c.doc.getMap<Y.Map<unknown>>("nodes");

describe("a stock Yjs client's writes on a woken canvas", () => {
  it("a note is taken as the app's is, and all 25 threads stay", async () => {
    const { ws, owner, threads, writer, room } = await canvasOfThreads();
    await evictDurableObject(hatchery(ws));
    writer.doc.transact(() => nodes(writer).set("note:stock", stockNode(noteFields("from a stock client", 40, 900))));
    const fresh = await openCanvas(ws, { cookie: owner.cookie });
    await until(() => node(fresh, "note:stock") !== null, "the note at a fresh client");
    expect(node(fresh, "note:stock")).toMatchObject({
      kind: "note",
      x: 40,
      y: 900,
      data: { text: "from a stock client" },
    });
    expect(writer.refusals()).toEqual([]);
    (await threadsForAFreshClient(ws, owner.cookie, threads)).close();
    for (const c of [writer, fresh]) c.close();
    room.close();
  });

  it("a group around a thread is taken, and all 25 threads stay", async () => {
    const { ws, owner, threads, writer, room } = await canvasOfThreads();
    const inside = threads[3]!.id;
    await evictDurableObject(hatchery(ws));
    writer.doc.transact(() => {
      nodes(writer).set(
        "group:stock",
        stockNode({
          kind: "group",
          ref: null,
          x: -40,
          y: -40,
          w: 600,
          h: 400,
          placed: "pinned",
          parent: null,
          data: { label: "Stock" },
        }),
      );
      nodes(writer).get(inside)!.set("parent", "group:stock");
    });
    const fresh = await openCanvas(ws, { cookie: owner.cookie });
    await until(
      () => node(fresh, "group:stock") !== null && node(fresh, inside)?.parent === "group:stock",
      "the group around the thread",
    );
    (await threadsForAFreshClient(ws, owner.cookie, threads)).close();
    for (const c of [writer, fresh]) c.close();
    room.close();
  });

  it("an edge to a thread is taken, and all 25 threads stay", async () => {
    const { ws, owner, threads, writer, room } = await canvasOfThreads();
    writer.doc.transact(() => nodes(writer).set("note:from", stockNode(noteFields("points at a thread"))));
    await evictDurableObject(hatchery(ws));
    const id = `note:from->${threads[7]!.id}`;
    writer.doc.transact(() =>
      writer.doc.getMap("edges").set(id, { id, source: "note:from", target: threads[7]!.id, kind: "person" }),
    );
    const fresh = await openCanvas(ws, { cookie: owner.cookie });
    await until(() => fresh.doc.getMap("edges").get(id) !== undefined, "the edge at a fresh client");
    expect(fresh.doc.getMap("edges").get(id)).toEqual({
      id,
      source: "note:from",
      target: threads[7]!.id,
      kind: "person",
    });
    (await threadsForAFreshClient(ws, owner.cookie, threads)).close();
    for (const c of [writer, fresh]) c.close();
    room.close();
  });

  it("a malformed map is set back, and all 25 threads stay", async () => {
    const { ws, owner, threads, writer, room } = await canvasOfThreads();
    await evictDurableObject(hatchery(ws));
    writer.doc.transact(() => {
      nodes(writer).set("note:empty", new Y.Map());
      nodes(writer).get(threads[0]!.id)!.set("data", new Y.Map());
    });
    await until(() => writer.refusals().some((r) => r.code === "repaired"), "the repair");
    await until(
      () => node(writer, "note:empty") === null && node(writer, threads[0]!.id)?.data.title === threads[0]!.title,
      "the writer's copy repaired",
    );
    (await threadsForAFreshClient(ws, owner.cookie, threads)).close();
    writer.close();
    room.close();
  });

  it("a write outside the canvas's maps is refused whole and taken back from the writer's copy; all 25 threads stay", async () => {
    const { ws, owner, threads, writer, room } = await canvasOfThreads();
    await evictDurableObject(hatchery(ws));
    writer.doc.transact(() => {
      writer.doc.getMap("evil").set("k", "FOREIGN");
      nodes(writer).set("note:with-it", stockNode(noteFields("sent along")));
    });
    await until(() => writer.refusals().some((r) => r.code === "not_applied"), "the refusal");
    await until(
      () => writer.doc.getMap("evil").size === 0 && node(writer, "note:with-it") === null,
      "the writer's copy takes it back",
    );
    // The writer goes on writing: its next update applies after the refused one.
    writer.doc.transact(() => nodes(writer).set("note:after", stockNode(noteFields("after"))));
    const fresh = await openCanvas(ws, { cookie: owner.cookie });
    await until(() => node(fresh, "note:after") !== null, "the writer's next note");
    expect(node(fresh, "note:with-it")).toBeNull();
    expect([...fresh.doc.share.keys()].filter((k) => k === "evil")).toEqual([]);
    (await threadsForAFreshClient(ws, owner.cookie, threads)).close();
    for (const c of [writer, fresh]) c.close();
    room.close();
  });
});

describe("a canvas that lost domain nodes", () => {
  /** Deletes thread nodes inside the room, stored like any update (as the old review's "repair" did). */
  const lose = (ws: string, ids: string[]) =>
    runInDurableObject(hatchery(ws), (room: Hatchery) => {
      room.document.transact(() => {
        for (const id of ids) nodesMap(room.document).delete(id);
      });
    });

  it("gets them back by itself as it wakes", async () => {
    const { ws, owner, threads, writer, room } = await canvasOfThreads();
    writer.close();
    const lost = threads.slice(0, 10).map((t) => t.id);
    await lose(ws, lost);
    const damaged = await openCanvas(ws, { cookie: owner.cookie });
    await damaged.whenSynced();
    expect(lost.filter((id) => node(damaged, id) !== null)).toEqual([]);
    damaged.close();
    await evictDurableObject(hatchery(ws));
    const later = await openCanvas(ws, { cookie: owner.cookie });
    await until(() => threads.every((t) => node(later, t.id)?.data.title === t.title), "every thread back");
    (await threadsForAFreshClient(ws, owner.cookie, threads)).close();
    // Healed once: the next pulls are not snapshots again.
    const heal = await runInDurableObject(hatchery(ws), (_room, state) =>
      getMeta(sqlFromStorage(state.storage), "domainHeal"),
    );
    expect(heal).toBe(CHECKED_VERSION);
    later.close();
    room.close();
  });

  it("gets them back on the Autopilot's next poke, with their current state", async () => {
    const { ws, threads, writer, room } = await canvasOfThreads();
    const lost = threads.slice(5, 12);
    await lose(
      ws,
      lost.map((t) => t.id),
    );
    await until(() => lost.every((t) => node(writer, t.id) === null), "the loss reaches the writer");
    // The message's poke is the first pull since the loss: it restores from a snapshot, taken after the message.
    await room.ok("chat.send", { threadId: lost[1]!.ref, text: "said while lost", idempotencyKey: idem() });
    await room.ok("threads.rename", { threadId: lost[0]!.ref, title: "Renamed while lost", idempotencyKey: idem() });
    await until(() => lost.every((t) => node(writer, t.id) !== null), "the lost threads back");
    expect(node(writer, lost[0]!.id)?.data.title).toBe("Renamed while lost");
    expect(node(writer, lost[1]!.id)?.data.messageCount).toBe(1);
    writer.close();
    room.close();
  });
});

describe("refusals reach stock clients in a form they read", () => {
  it("a plain Yjs socket gets them as y-protocols auth messages and no text; one that asked (the app) as custom messages", async () => {
    const { ws, member, viewer } = await team();
    const plain = await openCanvas(ws, { cookie: member.cookie });
    const provider = await openCanvas(ws, { cookie: member.cookie }, {}, true);
    await until(() => plain.synced && provider.synced, "synced");
    for (const c of [plain, provider]) c.doc.transact(() => c.doc.getArray("junk").push([1]));
    await until(() => plain.refusals().length > 0 && provider.refusals().length > 0, "both refused");
    expect(plain.texts).toEqual([]);
    // What a stock provider does with it (y-websocket and y-partyserver read auth messages with y-protocols).
    const denied: string[] = [];
    for (const frame of plain.frames) {
      const decoder = decoding.createDecoder(frame);
      if (decoding.readVarUint(decoder) === 2)
        authProtocol.readAuthMessage(decoder, plain.doc, (_doc, reason) => denied.push(reason));
    }
    expect(denied.map((r) => JSON.parse(r))).toEqual([
      expect.objectContaining({ type: "hatchery.refused", code: "not_applied" }),
    ]);
    expect(provider.texts.map(parseRefusal)).toEqual([expect.objectContaining({ code: "not_applied" })]);

    // A read-only socket's write is not ignored without a word: it is told, and its copy takes the write back.
    const reader = await openCanvas(ws, { cookie: viewer.cookie });
    await reader.whenSynced();
    reader.doc.transact(() => nodes(reader).set("note:viewer", stockNode(noteFields("VIEWER_WROTE"))));
    await until(() => reader.refusals().some((r) => r.code === "read_only"), "the viewer told");
    await until(() => node(reader, "note:viewer") === null, "the viewer's copy takes it back");
    const fresh = await openCanvas(ws, { cookie: member.cookie });
    await fresh.whenSynced();
    expect(node(fresh, "note:viewer")).toBeNull();
    for (const c of [plain, provider, reader, fresh]) c.close();
  });
});
