import { evictDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import * as encoding from "lib0/encoding";
import { describe, expect, it } from "vitest";
import * as awarenessProtocol from "y-protocols/awareness";
import * as Y from "yjs";
import { PALETTE } from "../../../shared/hatchery/awareness";
import type { Activity } from "../../../shared/hatchery/activity";
import { domainNodeId, type NodeKind, nodesMap, writeNode } from "../../../shared/hatchery/graph";
import { idem, RawSocket } from "../../test/harness";
import { type Canvas, node, openCanvas, team, until, syncedCanvases } from "../../test/hatchery-harness";
import { domainNode, noteNode } from "../../../shared/test/canvas-nodes";

// Each of these was done to the room before it reviewed what people write (issue 11).

const latin1 = new TextDecoder("latin1");
const sawOnWire = (c: Canvas, marker: string) => c.frames.some((f) => latin1.decode(f).includes(marker));

/** A note written by `c`; its id. */
function addNote(c: Canvas, text: string, id = `note:${crypto.randomUUID().slice(0, 8)}`): string {
  c.doc.transact(() => writeNode(c.doc, noteNode(id, text)));
  return id;
}

/** Proves the room handled everything `c` sent before: a note of its own comes back to `witness`. */
async function roundTrip(c: Canvas, witness: Canvas): Promise<void> {
  const id = addNote(c, "marker");
  await until(() => node(witness, id) !== null, "marker note");
}

async function threadOnCanvas() {
  const t = await team();
  const room = await RawSocket.open(t.ws, { cookie: t.owner.cookie });
  await room.hello();
  const { thread } = await room.ok("threads.create", { title: "Launch", idempotencyKey: idem() });
  const owner = await openCanvas(t.ws, { cookie: t.owner.cookie });
  const member = await openCanvas(t.ws, { cookie: t.member.cookie });
  const threadId = domainNodeId("thread", thread.id);
  await until(() => node(owner, threadId) !== null && node(member, threadId) !== null, "thread on both canvases");
  return { ws: t.ws, people: t, room, owner, member, threadId, thread };
}

describe("Hatchery under hostile writers", () => {
  it("a thread node whose lastMessage.author is an object never reaches anyone, nor storage", async () => {
    const { ws, people, owner, member, room, threadId } = await threadOnCanvas();
    member.doc.transact(() =>
      nodesMap(member.doc)
        .get(threadId)!
        .set("data", { title: "Launch", lastMessage: { author: { EVIL_AUTHOR: 1 }, text: "x", at: 1 } }),
    );
    // A thread node the server never made, with the same poison.
    member.doc.transact(() =>
      writeNode(
        member.doc,
        domainNode("thread:forged", "thread", "forged", { lastMessage: { author: { EVIL_AUTHOR: 2 } } }),
      ),
    );
    await roundTrip(member, owner);
    await until(
      () => node(member, threadId)?.data.lastMessage === undefined && node(member, "thread:forged") === null,
      "the writer's copy repaired",
    );
    expect(member.refusals().some((r) => r.code === "repaired")).toBe(true);
    expect(sawOnWire(owner, "EVIL_AUTHOR")).toBe(false);
    expect(node(owner, threadId)!.data).toMatchObject({ title: "Launch" });
    expect(node(owner, "thread:forged")).toBeNull();
    const hatcheries = (env as unknown as { Hatchery: DurableObjectNamespace }).Hatchery;
    await evictDurableObject(hatcheries.get(hatcheries.idFromName(ws)));
    const reloaded = await openCanvas(ws, { cookie: people.owner.cookie });
    await reloaded.whenSynced();
    expect(sawOnWire(reloaded, "EVIL_AUTHOR")).toBe(false);
    expect(node(reloaded, threadId)!.data.title).toBe("Launch");
    for (const c of [owner, member, reloaded]) c.close();
    room.close();
  });

  it("a forged approval node ('Approved by Bob') is refused; a real approval, folded into its thread's activity, cannot be rewritten", async () => {
    const { owner, member, room, thread } = await threadOnCanvas();
    member.doc.transact(() =>
      writeNode(
        member.doc,
        domainNode(
          // A kind that is no node any more (activity folds into its thread): still refused.
          "approval:apr_forged",
          "approval" as string as NodeKind,
          "apr_forged",
          { title: "Deploy", status: "approved", resolvedBy: "Bob FORGED" },
        ),
      ),
    );
    // Dressed as a note: the kind says what it is, and the id must agree.
    member.doc.transact(() =>
      writeNode(
        member.doc,
        domainNode("note:x1", "approval" as string as NodeKind, "apr_x", { resolvedBy: "Bob FORGED" }),
      ),
    );
    const { approval } = await room.ok("approvals.request", {
      title: "Deploy",
      threadId: thread.id,
      risk: "high",
      idempotencyKey: idem(),
    });
    const threadId = domainNodeId("thread", thread.id);
    const status = (c: typeof owner) =>
      (node(c, threadId)?.data.activity as Activity | undefined)?.entries.find(
        (e) => e.ref === `approval:${approval.id}`,
      )?.status;
    await until(() => status(member) === "pending", "real approval in the thread's activity");
    const data = node(member, threadId)!.data as { activity: Activity };
    const forged = {
      ...data,
      activity: {
        ...data.activity,
        entries: data.activity.entries.map((e) => ({ ...e, status: "approved", detail: "approved by Bob FORGED" })),
      },
    };
    member.doc.transact(() => nodesMap(member.doc).get(threadId)!.set("data", forged));
    await roundTrip(member, owner);
    expect(sawOnWire(owner, "Bob FORGED")).toBe(false);
    expect(node(owner, "approval:apr_forged")).toBeNull();
    expect(node(owner, "note:x1")).toBeNull();
    expect(status(owner)).toBe("pending");
    await until(() => status(member) === "pending", "writer's copy set back");
    for (const c of [owner, member]) c.close();
    room.close();
  });

  it("awareness: no publishing under another socket's client id, no oversize state, no remote colour or name", async () => {
    const { ws, owner, viewer } = await team();
    const [alice, eve] = await syncedCanvases(ws, { cookie: owner.cookie }, { cookie: viewer.cookie });
    alice.awareness.setLocalState({ cursor: { x: 1, y: 2 }, user: { name: "whatever" } });
    await until(() => eve.awareness.getStates().has(alice.doc.clientID), "alice's presence at eve");

    // Under alice's id, with her name.
    const forger = new awarenessProtocol.Awareness(new Y.Doc());
    forger.clientID = alice.doc.clientID;
    forger.setLocalState({ cursor: { x: 9, y: 9 }, user: { name: "Alice (owner) says: approve apr_X now" } });
    for (let i = 0; i < 5; i++) forger.setLocalStateField("n", i); // a clock ahead of alice's
    sendAwareness(eve, forger, [forger.clientID]);
    // Oversize, and a colour that would fetch a URL.
    eve.awareness.setLocalState({
      cursor: { x: 5, y: 5 },
      user: { name: "Eve", color: "url(http://attacker.test/x)" },
      junk: "j".repeat(200_000),
    });
    eve.awareness.setLocalState({
      cursor: { x: 6, y: 6 },
      user: { name: "Mallory the owner", color: "url(http://attacker.test/y)" },
    });

    const newcomer = await openCanvas(ws, { cookie: owner.cookie });
    await until(
      () => newcomer.awareness.getStates().get(eve.doc.clientID)?.cursor?.x === 6,
      "eve's last presence at the newcomer",
    );
    const states = newcomer.awareness.getStates();
    const eveState = states.get(eve.doc.clientID)!;
    expect(eveState.user).toEqual({ id: viewer.userId, name: viewer.name, kind: "user", color: expect.any(Number) });
    expect(PALETTE[eveState.user.color]).toBeDefined();
    expect(JSON.stringify([...states.values()])).not.toMatch(/approve apr_X|attacker\.test|jjjj/);
    expect(states.get(alice.doc.clientID)!.user.name).toBe(owner.name);
    // The foreign-id entry is dropped silently (honest providers relay others' states too); the oversize one is refused.
    expect(eve.refusals().filter((r) => r.code === "bad_frame")).toHaveLength(1);
    for (const c of [alice, eve, newcomer]) c.close();
  });

  it.each([1, 3])(
    "a %i MiB update is refused and taken back: not stored, not broadcast, the socket stays and later writes land",
    async (mib) => {
      const { ws, owner, member } = await team();
      const [writer, other] = await syncedCanvases(ws, { cookie: owner.cookie }, { cookie: member.cookie });
      const big = addNote(writer, `BIG${mib}`.padEnd(mib * 1024 * 1024, "x"));
      await until(() => writer.refusals().length > 0, "the refusal");
      expect(writer.refusals()[0]).toMatchObject({ code: "payload_too_large" });
      // The room sent the writer the removal of what it wrote: its copy drops the note.
      await until(() => node(writer, big) === null, "the writer's copy takes the note back");
      expect(writer.closed).toBeNull();
      await roundTrip(writer, other);
      const fresh = await openCanvas(ws, { cookie: member.cookie });
      await fresh.whenSynced();
      expect(node(fresh, big)).toBeNull();
      expect(sawOnWire(other, `BIG${mib}`)).toBe(false);
      const hatcheries = (env as unknown as { Hatchery: DurableObjectNamespace }).Hatchery;
      await evictDurableObject(hatcheries.get(hatcheries.idFromName(ws)));
      const reloaded = await openCanvas(ws, { cookie: member.cookie });
      await reloaded.whenSynced();
      expect(node(reloaded, big)).toBeNull();
      for (const c of [writer, other, fresh, reloaded]) c.close();
    },
  );

  it("a frame too large to read at all is refused with close 1009", async () => {
    const { ws, owner, member } = await team();
    const writer = await openCanvas(ws, { cookie: owner.cookie });
    await until(() => writer.synced, "synced");
    // Over 16 times the frame cap (vitest.worker.config.ts keeps the default 256 KiB).
    const big = addNote(writer, "HUGE".padEnd(5 * 1024 * 1024, "x"));
    await until(() => writer.closed !== null, "writer hung up on");
    expect(writer.closed!.code).toBe(1009);
    expect(writer.refusals()[0]).toMatchObject({ code: "payload_too_large" });
    const fresh = await openCanvas(ws, { cookie: member.cookie });
    await fresh.whenSynced();
    expect(node(fresh, big)).toBeNull();
    fresh.close();
  });

  it("the document has a size cap with a clear refusal; the writer's copy drops what did not fit, and deleting still works", async () => {
    const { ws, owner, member } = await team();
    const [writer, other] = await syncedCanvases(ws, { cookie: owner.cookie }, { cookie: member.cookie });
    // vitest.worker.config.ts caps test documents at 300,000 bytes; notes hold 4,000 characters.
    const written: string[][] = [];
    for (let batch = 0; batch < 4 && !writer.refusals().some((r) => r.code === "document_full"); batch++) {
      writer.doc.transact(() => {
        written.push(Array.from({ length: 25 }, (_, i) => addNote(writer, `${batch}-${i}`.padEnd(3900, "n"))));
      });
      const full = () => writer.refusals().some((r) => r.code === "document_full");
      await until(
        () => full() || written.at(-1)!.every((id) => node(other, id) !== null),
        "the batch taken or refused",
      );
    }
    const refusal = writer.refusals().find((r) => r.code === "document_full");
    expect(refusal?.message).toMatch(/cap/);
    expect(writer.closed).toBeNull();
    const refused = written.at(-1)!;
    await until(
      () => refused.every((id) => node(writer, id) === null),
      "the writer's copy drops the batch that did not fit",
    );
    expect(refused.some((id) => node(other, id) !== null)).toBe(false);
    // Deleting makes room, and is taken at the cap.
    const kept = written[0]!;
    writer.doc.transact(() => {
      for (const id of kept) nodesMap(writer.doc).delete(id);
    });
    await until(() => kept.every((id) => node(other, id) === null), "deletions reach the others");
    // Reading still works.
    const fresh = await openCanvas(ws, { cookie: member.cookie });
    await fresh.whenSynced();
    expect(nodesMap(fresh.doc).size).toBeGreaterThan(0);
    for (const c of [writer, other, fresh]) c.close();
  });

  it("an update flood is rate-limited per connection and per principal while others' edits still flow", async () => {
    const { ws, owner, member, viewer } = await team();
    const flooder = await openCanvas(ws, { cookie: member.cookie });
    const alice = await openCanvas(ws, { cookie: owner.cookie });
    const watcher = await openCanvas(ws, { cookie: viewer.cookie });
    await until(() => flooder.synced && alice.synced && watcher.synced, "synced");
    const target = addNote(flooder, "flooded");
    await until(() => node(alice, target) !== null, "note shared");
    for (let i = 0; i < 2000 && flooder.closed === null; i++) nodesMap(flooder.doc).get(target)!.set("x", i);
    const mine = addNote(alice, "alice still writes");
    await until(() => node(watcher, mine) !== null, "alice's edit reaches the watcher");
    await until(() => flooder.closed !== null, "flooder hung up on");
    expect(flooder.closed!.code).toBe(4029);
    expect(JSON.parse(flooder.closed!.reason)).toMatchObject({ retryAfterMs: expect.any(Number) });
    expect(node(watcher, target)!.x).toBeLessThan(1999);

    // Many sockets of one principal share its budget: each stays under its own burst
    // (vitest.worker.config.ts: 100 per socket, 150 per principal), together they do not.
    const sockets = await Promise.all([0, 1, 2, 3, 4, 5].map(() => openCanvas(ws, { cookie: owner.cookie })));
    await until(() => sockets.every((s) => s.synced), "sockets synced");
    const note = addNote(sockets[0]!, "shared");
    await until(() => sockets.every((s) => node(s, note) !== null), "note at all sockets");
    for (let i = 0; i < 90; i++) for (const s of sockets) if (s.closed === null) nodesMap(s.doc).get(note)!.set("y", i);
    await until(() => sockets.some((s) => s.closed?.code === 4029), "one of the principal's sockets limited", 30_000);
    for (const c of [alice, watcher, ...sockets]) c.close();
  });
});

function sendAwareness(c: Canvas, awareness: awarenessProtocol.Awareness, ids: number[]) {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, 1);
  encoding.writeVarUint8Array(encoder, awarenessProtocol.encodeAwarenessUpdate(awareness, ids));
  c.ws.send(encoding.toUint8Array(encoder));
}
