// The Hatchery is a y-partyserver YServer: it hands y-partyserver every frame it has a hook
// for, and takes document updates itself (party/rooms/hatchery/room.ts, onMessage). These
// tests pin what the room relies on y-partyserver for, on the room itself with real sockets,
// so an upgrade that changes it fails here, not in production.
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import * as decoding from "lib0/decoding";
import * as encoding from "lib0/encoding";
import type { Connection } from "partyserver";
import { describe, expect, it } from "vitest";
import * as syncProtocol from "y-protocols/sync";
import * as Y from "yjs";
import { nodesMap, writeNode } from "../../../shared/hatchery/graph";
import { REFUSAL_PREFIX } from "../../../shared/hatchery/refusal";
import { updateFrame } from "./client-frames";
import type { Hatchery } from "./room";
import { type Canvas, node, openCanvas, team, until, syncedCanvases } from "../../test/hatchery-harness";
import { noteNode } from "../../../shared/test/canvas-nodes";

const hatchery = (ws: string) => {
  const ns = (env as unknown as { Hatchery: DurableObjectNamespace }).Hatchery;
  return ns.get(ns.idFromName(ws));
};

/** The room's connection for a person's one socket (its state names the principal). */
function connectionOf(room: Hatchery, userId: string): Connection {
  const principalOf = (c: Connection) => (c.state as { principal?: { id: string } } | null)?.principal?.id;
  const conn = [...room.getConnections()].find((c) => principalOf(c) === userId);
  if (!conn) throw new Error(`no socket of ${userId}`);
  return conn;
}

/** The payloads of the sync step 2 frames a socket received. */
function syncSteps2(c: Canvas): Uint8Array[] {
  return c.frames.flatMap((f) => {
    const d = decoding.createDecoder(f);
    if (decoding.readVarUint(d) !== 0 || decoding.readVarUint(d) !== syncProtocol.messageYjsSyncStep2) return [];
    return [decoding.readVarUint8Array(d)];
  });
}

/** The awareness client ids in the presence frames a socket received. */
function presenceIds(c: Canvas): number[] {
  return c.frames.flatMap((f) => {
    const d = decoding.createDecoder(f);
    if (decoding.readVarUint(d) !== 1) return [];
    const update = decoding.createDecoder(decoding.readVarUint8Array(d));
    const ids: number[] = [];
    for (let n = decoding.readVarUint(update); n > 0; n--) {
      ids.push(decoding.readVarUint(update));
      decoding.readVarUint(update);
      decoding.readVarString(update);
    }
    return ids;
  });
}

const latin1 = new TextDecoder("latin1");
const sawOnWire = (c: Canvas, marker: string) => c.frames.some((f) => latin1.decode(f).includes(marker));

function addNote(c: Canvas, id: string): void {
  c.doc.transact(() => writeNode(c.doc, noteNode(id, id)));
}

describe("what the Hatchery relies on y-partyserver for", () => {
  it("a sync step 1 handed on is answered with what the socket lacks, to that socket alone", async () => {
    const { ws, owner, member } = await team();
    const [asker, other] = await syncedCanvases(ws, { cookie: owner.cookie }, { cookie: member.cookie });
    addNote(other, "note:before");
    await until(() => node(asker, "note:before") !== null, "the note at the asker");
    const [askerSteps, otherSteps] = [syncSteps2(asker).length, syncSteps2(other).length];
    // An empty state vector: the answer is the whole document.
    const encoder = encoding.createEncoder();
    encoding.writeVarUint(encoder, 0);
    syncProtocol.writeSyncStep1(encoder, new Y.Doc());
    asker.ws.send(encoding.toUint8Array(encoder));
    await until(() => syncSteps2(asker).length > askerSteps, "the asker's sync step 2");
    const answer = new Y.Doc();
    Y.applyUpdate(answer, syncSteps2(asker).at(-1)!);
    expect(nodesMap(answer).has("note:before")).toBe(true);
    // y-partyserver relays every document update to every socket, the writer's too: once the
    // other's next note comes back to it, anything the step 1 sent it would have come first.
    addNote(other, "note:after");
    await until(() => sawOnWire(other, "note:after"), "the other's own note relayed back to it");
    expect(syncSteps2(other)).toHaveLength(otherSteps);
    for (const c of [asker, other]) c.close();
  });

  it("presence handed on is relayed to every socket, and goes when its socket does", async () => {
    const { ws, owner, member } = await team();
    const [leaver, stayer] = await syncedCanvases(ws, { cookie: owner.cookie }, { cookie: member.cookie });
    leaver.awareness.setLocalState({ cursor: { x: 1, y: 2 } });
    const cursorAt = (c: Canvas) => c.awareness.getStates().get(leaver.doc.clientID)?.cursor?.x;
    await until(() => cursorAt(stayer) === 1, "the presence at the other");
    await until(() => presenceIds(leaver).includes(leaver.doc.clientID), "the presence relayed to its sender too");
    // Closed without a last presence frame: y-partyserver's onClose removes the states the
    // socket's frames added (its origin) and tells the others.
    leaver.ws.close(1000, "bye");
    await until(() => cursorAt(stayer) === undefined, "the presence gone at the other");
    stayer.close();
  });

  it("custom messages go out with the prefix the app's provider reads; a client's reach onCustomMessage", async () => {
    const { ws, owner } = await team();
    const app = await openCanvas(ws, { cookie: owner.cookie }, {}, true);
    await until(() => app.synced, "synced");
    const stub = hatchery(ws);
    const send = (room: Hatchery) => room.sendCustomMessage(connectionOf(room, owner.userId), "probe");
    await runInDurableObject(stub, send);
    await until(() => app.texts.includes(`${REFUSAL_PREFIX}probe`), "the custom message, prefixed as refusals are");
    const received = await runInDurableObject(stub, (room: Hatchery) => {
      const seen: string[] = [];
      // On the instance, over the room's own (which drops them), and taken away after.
      room.onCustomMessage = (_conn, message) => seen.push(message);
      try {
        room.handleMessage(connectionOf(room, owner.userId), `${REFUSAL_PREFIX}hello`);
      } finally {
        delete (room as { onCustomMessage?: unknown }).onCustomMessage;
      }
      return seen;
    });
    expect(received).toEqual(["hello"]);
    app.close();
  });

  it("an update handed on is applied as it came, unreviewed; a read-only socket's is dropped unsaid", async () => {
    // Why the room takes updates itself (room.ts, #takeUpdate): what y-partyserver applies
    // is not reviewed, and a read-only writer is neither told nor given its write back.
    const { ws, owner, viewer } = await team();
    const [writer, reader] = await syncedCanvases(ws, { cookie: owner.cookie }, { cookie: viewer.cookie });
    const outside = new Y.Doc();
    outside.getMap("outside").set("k", "UNREVIEWED");
    const frame = updateFrame(Y.encodeStateAsUpdate(outside));
    const applied = await runInDurableObject(hatchery(ws), (room: Hatchery) => {
      room.handleMessage(connectionOf(room, viewer.userId), frame);
      const fromReader = room.document.getMap("outside").get("k") ?? null;
      room.handleMessage(connectionOf(room, owner.userId), frame);
      return { fromReader, fromWriter: room.document.getMap("outside").get("k") ?? null };
    });
    expect(applied).toEqual({ fromReader: null, fromWriter: "UNREVIEWED" });
    // Relayed to every socket; the read-only one, handled first, was told nothing.
    await until(() => reader.doc.getMap("outside").get("k") === "UNREVIEWED", "the update at every socket");
    expect(reader.refusals()).toEqual([]);
    for (const c of [writer, reader]) c.close();
  });
});
