// Presence on the canvas through the real room, also after it hibernated (evicted from
// memory, its sockets kept): a canvas opened after a wake sees who is there at once; a
// socket that closes, or whose key is revoked, leaves everyone's canvas at once; a tab that
// took its presence over on a new socket keeps it when its old socket's close comes late.
import { evictDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { api, type Credentials } from "../../test/harness";
import { type Canvas, openCanvas, team, until } from "../../test/hatchery-harness";

const evict = async (ws: string) => {
  const ns = (env as unknown as { Hatchery: DurableObjectNamespace }).Hatchery;
  await evictDurableObject(ns.get(ns.idFromName(ws)));
};

/** The most a change of presence may take to reach everyone. */
const PROMPT_MS = 2000;

const sees = (viewer: Canvas, other: Canvas) => viewer.awareness.getStates().has(other.awareness.clientID);
const userOf = (viewer: Canvas, other: Canvas) =>
  (viewer.awareness.getStates().get(other.awareness.clientID) as { user?: { id?: string; name?: string } } | undefined)
    ?.user;

/** Canvases that each publish a cursor, once every one of them sees all the others. */
async function present(...canvases: Canvas[]) {
  await until(() => canvases.every((c) => c.synced), "synced");
  for (const [i, c] of canvases.entries()) c.awareness.setLocalStateField("cursor", { x: i, y: i });
  await until(
    () => canvases.every((c) => canvases.every((o) => o === c || sees(c, o))),
    "everyone sees everyone's presence",
  );
}

/** A canvas for each of these, in turn, once each sees every other's presence. */
async function presentTogether<C extends Credentials[]>(ws: string, ...creds: C): Promise<{ [K in keyof C]: Canvas }> {
  const canvases: Canvas[] = [];
  for (const c of creds) canvases.push(await openCanvas(ws, c));
  await present(...canvases);
  return canvases as { [K in keyof C]: Canvas };
}

describe("presence on the canvas across hibernation", () => {
  it("a canvas opened after the room woke sees who is there at once; one that closes then leaves everyone's at once", async () => {
    const { ws, owner, member, viewer } = await team();
    const [own, ann] = await presentTogether(ws, { cookie: owner.cookie }, { cookie: member.cookie });

    await evict(ws);
    const late = await openCanvas(ws, { cookie: viewer.cookie });
    await until(() => late.synced, "late canvas synced");
    await until(() => sees(late, own) && sees(late, ann), "the late canvas sees both at once", PROMPT_MS);

    await evict(ws);
    // Its connection dropped: no goodbye from the tab (close() would send one).
    ann.ws.close(1000, "tab closed");
    await until(() => !sees(own, ann) && !sees(late, ann), "the closed canvas gone for everyone", PROMPT_MS);
    expect(sees(late, own)).toBe(true);
    // Whose state it is: the room writes the principal's id beside the name.
    expect(userOf(late, own)).toMatchObject({ id: owner.userId, name: owner.name });
    own.close();
    late.close();
  });

  it("a revoked key's canvas leaves everyone's presence at once, also after the room woke", async () => {
    const { ws, owner, agent } = await team();
    const [own, bot] = await presentTogether(ws, { cookie: owner.cookie }, { key: agent.key });
    await evict(ws);
    const res = await api("/api/auth/api-key/delete", {
      method: "POST",
      cookie: owner.cookie,
      body: JSON.stringify({ keyId: agent.id }),
    });
    expect(res.status).toBe(200);
    await until(() => bot.closed !== null, "the key's canvas closed");
    await until(() => !sees(own, bot), "the revoked key's presence gone", PROMPT_MS);
    own.close();
  });

  it("a tab that took its presence over on a new socket keeps it when the old socket's close comes after", async () => {
    const { ws, owner, member } = await team();
    const [own, before] = await presentTogether(ws, { cookie: owner.cookie }, { cookie: member.cookie });
    // The same tab reconnected: a new socket speaking for the same awareness client id, its clock going on.
    const id = before.awareness.clientID;
    const after = await openCanvas(ws, { cookie: member.cookie });
    await until(() => after.synced, "reconnected canvas synced");
    after.awareness.clientID = id;
    after.awareness.meta.set(id, { clock: before.awareness.meta.get(id)!.clock, lastUpdated: Date.now() });
    after.awareness.setLocalState({ cursor: { x: 77, y: 77 }, selection: [] });
    const cursorX = () => (own.awareness.getStates().get(id) as { cursor?: { x: number } } | undefined)?.cursor?.x;
    await until(() => cursorX() === 77, "the new socket's presence reached the owner");
    // Its connection dropped (no goodbye from the tab: close() would say one).
    before.ws.close(1000, "network gone");
    await until(() => before.closed !== null, "the old socket closed");
    // A move of the owner's that comes back through the room after the old socket's close.
    own.awareness.setLocalStateField("cursor", { x: 5, y: 5 });
    const ownX = () =>
      (after.awareness.getStates().get(own.awareness.clientID) as { cursor?: { x: number } } | undefined)?.cursor?.x;
    await until(() => ownX() === 5, "the owner's move reached the reconnected tab");
    expect(cursorX()).toBe(77);
    own.close();
    after.close();
  });
});
