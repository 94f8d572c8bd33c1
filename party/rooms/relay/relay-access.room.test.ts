import { finalizeEvent } from "nostr-tools/pure";
import { getToken } from "nostr-tools/nip98";
import { describe, expect, it } from "vitest";
import { addMember, api, createKey, idem, openTeam, ORIGIN, signUp } from "../../test/harness";
import { closedAfterEach, keys, registerPubkey, signed } from "../../test/support/relay-harness";

// Who may read and post in a workspace's community (/relay/w/<workspaceId>): members whose
// pubkey is registered to them (POST /api/nostr/identities, proven with NIP-98), after
// NIP-42 AUTH; posting needs `write`; access taken away ends their subscriptions at once.

const opened = closedAfterEach();
const open = (path: string, origin?: string) => opened(path, undefined, origin);

describe("a workspace's community", () => {
  it("asks for AUTH before anything, refuses keys nobody registered and keys of non-members, and lets members in", async () => {
    const owner = await signUp();
    const ws = owner.workspaceId;
    const path = `/relay/w/${ws}`;
    const ownerKeys = keys();
    expect((await registerPubkey(ownerKeys, ws, { cookie: owner.cookie })).status).toBe(201);

    const socket = await open(path);
    expect(await socket.req("feed", { kinds: [1] })).toEqual({
      events: [],
      closed: "auth-required: this workspace's community is for its members",
    });
    const early = signed(ownerKeys, { content: "before auth" });
    expect(await socket.publish(early)).toEqual([
      false,
      "auth-required: this workspace's community is for its members",
    ]);

    const stranger = keys();
    expect((await socket.auth(stranger)).reason).toMatch(/^restricted: not a member's key in this workspace/);
    // Someone registered, but in a workspace of their own, not this one.
    const outsider = await signUp();
    const outsiderKeys = keys();
    expect((await registerPubkey(outsiderKeys, outsider.workspaceId, { cookie: outsider.cookie })).status).toBe(201);
    expect((await socket.auth(outsiderKeys)).reason).toMatch(/^restricted: not a member's key in this workspace/);
    expect(await socket.req("feed", { kinds: [1] })).toMatchObject({ closed: expect.stringMatching(/^auth-required/) });

    expect(await socket.auth(ownerKeys)).toEqual({ accepted: true, reason: "" });
    expect(await socket.req("feed", { kinds: [1] })).toEqual({ events: [], closed: null });
    const post = signed(ownerKeys, { content: "hello team" });
    expect(await socket.publish(post)).toEqual([true, ""]);
    // Signed by a key this connection did not authenticate: refused, even from a member's socket.
    expect((await socket.publish(signed(stranger)))[1]).toMatch(/^restricted: authenticate as the event's author/);
    // The event that was refused before AUTH was never stored.
    expect((await socket.req("check", { ids: [early.id, post.id] })).events.map((e) => e.id)).toEqual([post.id]);
  });

  it("takes an agent key's pubkey, lets a viewer read but not post, and sends members' posts live", async () => {
    const owner = await signUp();
    const ws = owner.workspaceId;
    const path = `/relay/w/${ws}`;
    const viewer = await signUp();
    await addMember(owner, ws, viewer, "viewer");
    const agent = await createKey(owner, ws);
    const [viewerKeys, agentKeys] = [keys(), keys()];
    expect((await registerPubkey(viewerKeys, ws, { cookie: viewer.cookie })).status).toBe(201);
    const registered = await registerPubkey(agentKeys, ws, { key: agent.key });
    expect(registered.status).toBe(201);
    expect(registered.body.identity).toMatchObject({ pubkey: agentKeys.pubkey, kind: "agent" });

    const reader = await open(path);
    expect((await reader.auth(viewerKeys)).accepted).toBe(true);
    await reader.req("feed", { kinds: [1] });
    const from = reader.frames.length;
    expect(await reader.publish(signed(viewerKeys))).toEqual([false, "restricted: posting needs the write scope"]);

    const bot = await open(path);
    expect((await bot.auth(agentKeys)).accepted).toBe(true);
    const post = signed(agentKeys, { content: "build 412 is green" });
    expect(await bot.publish(post)).toEqual([true, ""]);
    await reader.next((f) => f[0] === "EVENT" && f[1] === "feed", from);
    expect(reader.liveEvents("feed", from).map((e) => e.id)).toEqual([post.id]);

    // The viewer is removed: their subscription ends at once, and a new one is refused.
    const removed = await api(`/api/workspaces/${ws}/members/${viewer.userId}`, {
      method: "DELETE",
      cookie: owner.cookie,
    });
    expect(removed.status).toBe(200);
    const closed = await reader.next((f) => f[0] === "CLOSED" && f[1] === "feed", from);
    expect(closed[2]).toBe("restricted: you are no longer a member of this workspace");
    expect((await reader.req("again", { kinds: [1] })).closed).toMatch(/^auth-required/);
  });

  it("takes AUTH only for this server's own origins: a relay in the middle with another Host cannot pass a member's proof on", async () => {
    const owner = await signUp();
    const path = `/relay/w/${owner.workspaceId}`;
    const ownerKeys = keys();
    expect((await registerPubkey(ownerKeys, owner.workspaceId, { cookie: owner.cookie })).status).toBe(201);
    // The relay in the middle opens its socket here as evil.example and hands the challenge to
    // the member's client, which signs it for the relay it is connected to: that name.
    const relayed = await open(path, "http://evil.example");
    expect(relayed.url).toBe(`ws://evil.example${path}`);
    const refused = { accepted: false, reason: "restricted: the AUTH event names another relay than this server" };
    expect(await relayed.auth(ownerKeys)).toEqual(refused);
    // Nor a loopback name, which only a socket opened on loopback may be (a local server).
    expect(await relayed.auth(ownerKeys, { relay: `ws://localhost:8787${path}` })).toEqual(refused);
    expect((await relayed.req("feed", { kinds: [1] })).closed).toMatch(/^auth-required:/);
    expect((await relayed.publish(signed(ownerKeys)))[1]).toMatch(/^auth-required:/);

    // The member's own client, connected to this server (APP_ORIGINS), is let in; on loopback, so is a local one's.
    const direct = await open(path);
    expect(await direct.auth(ownerKeys)).toEqual({ accepted: true, reason: "" });
    expect(await direct.publish(signed(ownerKeys))).toEqual([true, ""]);
    const local = await open(path, "http://localhost:8787");
    expect(await local.auth(ownerKeys)).toEqual({ accepted: true, reason: "" });
  });

  it("a public community asks no AUTH; AUTH there is taken from any key", async () => {
    const socket = await open("/relay");
    const anyone = keys();
    expect((await socket.req("p", { authors: [anyone.pubkey] })).closed).toBeNull();
    expect(await socket.publish(signed(anyone))).toEqual([true, ""]);
    expect((await socket.auth(anyone)).accepted).toBe(true);
  });
});

describe("a ban in a workspace's community", () => {
  it("holds for the person behind the pubkey: keys they hold, keys they register after, the key the room makes them; unban lifts it for all", async () => {
    const t = await openTeam("member");
    const path = `/relay/w/${t.ws}`;
    const [first, held] = [keys(), keys()];
    for (const k of [first, held])
      expect((await registerPubkey(k, t.ws, { cookie: t.second.cookie })).status).toBe(201);
    const stock = await open(path);
    expect((await stock.auth(first)).accepted).toBe(true);
    const post = signed(first, { content: "first" });
    expect(await stock.publish(post)).toEqual([true, ""]);

    const banned = await t.ownerSocket.ok("community.moderate", {
      action: "ban",
      eventId: post.id,
      idempotencyKey: idem(),
    });
    // One entry for the person, under the pubkey the owner named.
    expect(banned.moderation.banned).toMatchObject([{ author: { pubkey: first.pubkey }, by: t.owner.name }]);
    // A key registered for this workspace after the ban is banned with it, and the answer says so.
    const fresh = keys();
    expect(await registerPubkey(fresh, t.ws, { cookie: t.second.cookie })).toMatchObject({
      status: 201,
      body: { bannedIn: ["workspace"] },
    });
    // One registered in a workspace of their own is theirs here too: banned when it authenticates.
    const elsewhere = keys();
    expect(await registerPubkey(elsewhere, t.second.workspaceId, { cookie: t.second.cookie })).toMatchObject({
      status: 201,
      body: { bannedIn: [] },
    });
    const again = await open(path);
    const blocked = [false, "blocked: this pubkey is banned from this community"];
    for (const k of [held, fresh, elsewhere]) {
      expect((await again.auth(k)).accepted).toBe(true);
      expect(await again.publish(signed(k, { content: "back again" }))).toEqual(blocked);
    }
    // Through the room: the custodial key it makes them now is banned before it posts.
    expect(
      await t.secondSocket.call("community.post", { community: "workspace", text: "hi", idempotencyKey: idem() }),
    ).toMatchObject({ ok: false, error: { code: "forbidden", message: expect.stringMatching(/banned/) } });

    const lifted = await t.ownerSocket.ok("community.moderate", {
      action: "unban",
      pubkey: first.pubkey,
      idempotencyKey: idem(),
    });
    expect(lifted.moderation.banned).toEqual([]);
    expect((await again.auth(first)).accepted).toBe(true);
    for (const k of [first, held, fresh, elsewhere])
      expect(await again.publish(signed(k, { content: "welcome back" }))).toEqual([true, ""]);
    await t.secondSocket.ok("community.post", { community: "workspace", text: "hi", idempotencyKey: idem() });
    for (const s of [t.ownerSocket, t.secondSocket, t.agentSocket]) s.close();
  });
});

describe("POST /api/nostr/identities", () => {
  const url = `${ORIGIN}/api/nostr/identities`;

  it("needs a NIP-98 proof over this request, the caller's membership, and a pubkey nobody else holds", async () => {
    const owner = await signUp();
    const ws = owner.workspaceId;
    const mine = keys();
    const post = (headers: Record<string, string>, body: unknown = { workspaceId: ws }, cookie = owner.cookie) =>
      api<{ error?: { code: string; message: string } }>("/api/nostr/identities", {
        method: "POST",
        body: JSON.stringify(body),
        headers,
        cookie,
      });
    expect((await post({})).status).toBe(401);
    const proof = (u: string, body: object, method = "post") =>
      getToken(u, method, (e) => finalizeEvent(e, mine.secret), true, body);
    expect((await post({ authorization: await proof(`${ORIGIN}/elsewhere`, { workspaceId: ws }) })).status).toBe(401);
    expect((await post({ authorization: await proof(url, { workspaceId: ws }, "get") })).status).toBe(401);
    // The body signed is not the body sent.
    expect((await post({ authorization: await proof(url, { workspaceId: "other" }) })).status).toBe(401);
    // A proof whose event was changed after signing.
    const signedProof = JSON.parse(atob((await proof(url, { workspaceId: ws })).slice("Nostr ".length)));
    const forged = `Nostr ${btoa(JSON.stringify({ ...signedProof, content: "changed" }))}`;
    expect((await post({ authorization: forged })).status).toBe(401);
    // Not a member of the workspace named.
    const stranger = await signUp();
    expect(
      (await post({ authorization: await proof(url, { workspaceId: ws }) }, { workspaceId: ws }, stranger.cookie))
        .status,
    ).toBe(403);

    expect((await post({ authorization: await proof(url, { workspaceId: ws }) })).status).toBe(201);
    expect((await post({ authorization: await proof(url, { workspaceId: ws }) })).status).toBe(200);
    // Someone else cannot take it, even with a proof of their own making (they do not hold the secret: it is ours here).
    const taken = await registerPubkey(mine, stranger.workspaceId, { cookie: stranger.cookie });
    expect(taken.status).toBe(409);
    const listed = await api<{ identities: { pubkey: string }[] }>(`/api/nostr/identities?workspaceId=${ws}`, {
      cookie: owner.cookie,
    });
    expect(listed.body.identities.map((i) => i.pubkey)).toEqual([mine.pubkey]);
    const deleted = await api(`/api/nostr/identities/${mine.pubkey}?workspaceId=${ws}`, {
      method: "DELETE",
      cookie: owner.cookie,
    });
    expect(deleted.status).toBe(200);
    expect((await registerPubkey(mine, stranger.workspaceId, { cookie: stranger.cookie })).status).toBe(201);
  });
});
