import { OLDEST_PROTOCOL_VERSION } from "../../../../../shared/protocol/version";
import { env } from "cloudflare:workers";
import { nip19 } from "nostr-tools";
import { getPublicKey, verifyEvent } from "nostr-tools/pure";
import { afterEach, describe, expect, it } from "vitest";
import type { CommunityEventPayload, CommunityPost } from "../../../../../shared/protocol/community";
import type { Inbox } from "../../../../../shared/protocol/inbox";
import type { MethodResult } from "../../../../../shared/protocol/methods";
import { addMember, api, createKey, type Frame, idem, RawSocket, signUp } from "../../../../test/harness";
import { keys, NostrSocket, registerPubkey, signed } from "../../../../test/support/relay-harness";

// The communities through the Autopilot room (features/community/): the methods, the
// custodial keys they sign with (whose secret never leaves the server), attribution of
// agents to their workspace and owner, live news from the relay, moderation and access.

/** A socket that asks for no capability gets the whole inbox. */
type InboxUpdated = { inbox: Inbox };
const testEnv = env as unknown as { DB: D1Database; BETTER_AUTH_SECRET: string; NOSTR_CUSTODY_SECRET?: string };
const sockets: (RawSocket | NostrSocket)[] = [];
afterEach(() => {
  for (const s of sockets.splice(0)) s.close();
});

async function open(ws: string, creds: { cookie: string } | { key: string }) {
  const socket = await RawSocket.open(ws, creds);
  sockets.push(socket);
  await socket.hello();
  return socket;
}

const communityEvents = (socket: RawSocket) =>
  socket.events("community.event").map((e) => e.payload as CommunityEventPayload);

/** A post in a community (the workspace's or the public one), with a fresh idempotency key. */
const postIn = (socket: RawSocket, community: "workspace" | "public", text: string) =>
  socket.ok("community.post", { community, text, idempotencyKey: idem() });

async function newsOf(socket: RawSocket, pick: (p: CommunityEventPayload) => boolean): Promise<CommunityEventPayload> {
  const frame = await socket.waitFor(
    (f) => f.type === "event" && f.event === "community.event" && pick(f.payload as CommunityEventPayload),
  );
  return frame.payload as CommunityEventPayload;
}

/** A team: its owner, a member, a viewer and an agent key "release-bot" the owner made, each with a socket. */
async function team() {
  const owner = await signUp();
  const ws = owner.workspaceId;
  const [member, viewer] = await Promise.all([signUp(), signUp()]);
  await addMember(owner, ws, member, "member");
  await addMember(owner, ws, viewer, "viewer");
  const agent = await createKey(owner, ws, ["read", "write"], "release-bot");
  const [ownerSocket, memberSocket, viewerSocket, agentSocket] = await Promise.all([
    open(ws, { cookie: owner.cookie }),
    open(ws, { cookie: member.cookie }),
    open(ws, { cookie: viewer.cookie }),
    open(ws, { key: agent.key }),
  ]);
  return { ws, owner, member, viewer, agent, ownerSocket, memberSocket, viewerSocket, agentSocket };
}

/** Opens a sealed custodial secret as the server does (HKDF of the Worker secret, AES-GCM bound to holder and pubkey). */
async function unsealed(row: { holder: string; pubkey: string; sealed: string }): Promise<Uint8Array> {
  const enc = new TextEncoder();
  const secret = testEnv.NOSTR_CUSTODY_SECRET || testEnv.BETTER_AUTH_SECRET;
  const material = await crypto.subtle.importKey("raw", enc.encode(secret), "HKDF", false, ["deriveKey"]);
  const key = await crypto.subtle.deriveKey(
    { name: "HKDF", hash: "SHA-256", salt: enc.encode("nostr-custody"), info: enc.encode("v1") },
    material,
    { name: "AES-GCM", length: 256 },
    false,
    ["decrypt"],
  );
  const bytes = Uint8Array.from(atob(row.sealed), (c) => c.charCodeAt(0));
  const opened = await crypto.subtle.decrypt(
    { name: "AES-GCM", iv: bytes.slice(0, 12), additionalData: enc.encode(`${row.holder}\n${row.pubkey}`) },
    key,
    bytes.slice(12),
  );
  return new Uint8Array(opened);
}

const hex = (bytes: Uint8Array) => [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");

describe("the community methods", () => {
  it("post, reply and react with custodial keys; everyone who may read sees it live, the agent attributed to its owner", async () => {
    const t = await team();
    const fromAgent = await postIn(t.agentSocket, "workspace", "Build 412 is green.\n\n**not bold**, <b>not html</b>");
    expect(fromAgent.post.author).toMatchObject({
      name: "release-bot",
      role: "agent",
      bot: true,
      owner: { name: t.owner.name },
      known: true,
    });
    expect(fromAgent.post.author.line).toBe(
      `release-bot, agent of ${fromAgent.post.author.workspace!.name}, owned by ${t.owner.name}`,
    );
    // The text is kept as written (the app shows it as text).
    expect(fromAgent.post.text).toBe("Build 412 is green.\n\n**not bold**, <b>not html</b>");
    // Live: a person and a viewer, who may read, get it without asking.
    for (const socket of [t.memberSocket, t.viewerSocket]) {
      const news = await newsOf(socket, (p) => p.type === "post" && p.post.id === fromAgent.post.id);
      expect(news).toMatchObject({ type: "post", post: { author: { role: "agent", owner: { name: t.owner.name } } } });
    }

    const reply = await t.memberSocket.ok("community.post", {
      community: "workspace",
      text: "Nice, shipping it",
      replyTo: fromAgent.post.id,
      idempotencyKey: idem(),
    });
    expect(reply.post).toMatchObject({ replyTo: fromAgent.post.id, root: fromAgent.post.id });
    expect(reply.post.author).toMatchObject({ name: t.member.name, role: "user", bot: false, owner: null });
    await t.memberSocket.ok("community.react", {
      community: "workspace",
      eventId: fromAgent.post.id,
      reaction: "+",
      idempotencyKey: idem(),
    });
    expect(await newsOf(t.ownerSocket, (p) => p.type === "reaction" && p.eventId === fromAgent.post.id)).toMatchObject({
      content: "+",
    });

    const feed = await t.memberSocket.ok("community.feed", { community: "workspace" });
    expect(feed.posts.map((p) => p.id)).toEqual([fromAgent.post.id]);
    expect(feed.replies.map((p) => p.id)).toEqual([reply.post.id]);
    expect(feed.posts[0]!.reactions).toEqual([{ content: "+", count: 1, mine: true }]);
    expect(feed.me).toHaveLength(1);
    const ownersView = await t.ownerSocket.ok("community.feed", { community: "workspace" });
    expect(ownersView.posts[0]!.reactions).toEqual([{ content: "+", count: 1, mine: false }]);

    // A repeated request (same idempotency key) is answered from the first: one post, not two.
    const key = idem();
    const once = await t.ownerSocket.ok("community.post", {
      community: "workspace",
      text: "once",
      idempotencyKey: key,
    });
    const again = await t.ownerSocket.ok("community.post", {
      community: "workspace",
      text: "once",
      idempotencyKey: key,
    });
    expect(again.post.id).toBe(once.post.id);
    const after = await t.ownerSocket.ok("community.feed", { community: "workspace" });
    expect(after.posts.filter((p) => p.text === "once")).toHaveLength(1);
  });

  it("a stock Nostr client's post (the agent's own registered key) reaches the room live, attributed to the key's owner", async () => {
    const t = await team();
    const agentKeys = keys();
    expect((await registerPubkey(agentKeys, t.ws, { key: t.agent.key })).status).toBe(201);
    const relay = await NostrSocket.open(`/relay/w/${t.ws}`);
    sockets.push(relay);
    expect((await relay.auth(agentKeys)).accepted).toBe(true);
    const note = signed(agentKeys, { content: "signed with my own key" });
    expect(await relay.publish(note)).toEqual([true, ""]);
    const news = await newsOf(t.memberSocket, (p) => p.type === "post" && p.post.id === note.id);
    expect(news).toMatchObject({
      type: "post",
      post: {
        text: "signed with my own key",
        author: { name: "release-bot", role: "agent", owner: { name: t.owner.name } },
      },
    });
    // The registration attested the agent in its workspace's community: the workspace's key signed it.
    const identity = await t.ownerSocket.ok("community.identity", {});
    expect(identity.workspace).toMatch(/^[0-9a-f]{64}$/);
    const attestation = await relay.req("attest", {
      kinds: [30078],
      authors: [identity.workspace!],
      "#p": [agentKeys.pubkey],
    });
    expect(attestation.events).toHaveLength(1);
    expect(verifyEvent(attestation.events[0]!)).toBe(true);
    expect(JSON.parse(attestation.events[0]!.content)).toMatchObject({ agent: agentKeys.pubkey, owner: t.owner.name });
  });

  it("a revoked agent key's attestations are withdrawn: other Nostr clients stop reading it as the workspace's agent", async () => {
    const t = await team();
    const agentKeys = keys();
    expect((await registerPubkey(agentKeys, t.ws, { key: t.agent.key })).status).toBe(201);
    // Its custodial key posts in the public community, attested there by the same workspace key.
    await postIn(t.agentSocket, "public", "hello from release-bot");
    const custodial = (await t.agentSocket.ok("community.identity", {})).custodial!;
    const workspace = (await t.ownerSocket.ok("community.identity", {})).workspace!;
    const memberKeys = keys();
    expect((await registerPubkey(memberKeys, t.ws, { cookie: t.member.cookie })).status).toBe(201);
    const inWorkspace = await NostrSocket.open(`/relay/w/${t.ws}`);
    const inPublic = await NostrSocket.open("/relay");
    sockets.push(inWorkspace, inPublic);
    expect((await inWorkspace.auth(memberKeys)).accepted).toBe(true);
    const attestations = async (relay: NostrSocket) =>
      (await relay.req(`a${Math.random()}`, { kinds: [30078], authors: [workspace] })).events.map(
        (e) => e.tags.find((tag) => tag[0] === "d")?.[1],
      );
    // The own key was attested in the workspace's community when it registered; the custodial
    // one where it first posted.
    expect(await attestations(inWorkspace)).toEqual([`agent:${agentKeys.pubkey}`]);
    expect(await attestations(inPublic)).toEqual([`agent:${custodial}`]);

    const revoked = await api(`/api/workspaces/${t.ws}/keys/${t.agent.id}`, {
      method: "DELETE",
      cookie: t.owner.cookie,
    });
    expect(revoked.status).toBe(200);
    expect(await attestations(inWorkspace)).toEqual([]);
    expect(await attestations(inPublic)).toEqual([]);
    // The withdrawal is the workspace's own NIP-09 deletion, naming both addresses.
    const deletion = (await inPublic.req("del", { kinds: [5], authors: [workspace] })).events[0]!;
    expect(verifyEvent(deletion)).toBe(true);
    expect(deletion.tags.filter((tag) => tag[0] === "a").map((tag) => tag[1])).toEqual(
      expect.arrayContaining([`30078:${workspace}:agent:${agentKeys.pubkey}`, `30078:${workspace}:agent:${custodial}`]),
    );
  });
});

describe("mentions", () => {
  it("a post in the workspace's community that names a person reaches their inbox, not for protocol 9, and goes when the post is hidden", async () => {
    const t = await team();
    const asked = await postIn(t.memberSocket, "workspace", `@${t.owner.name} can you check the release notes?`);
    const isItem = (f: Frame) =>
      f.event === "inbox.updated" &&
      (f.payload as InboxUpdated).inbox.items.some((i) => i.key === `community:${asked.post.id}`);
    const updated = await t.ownerSocket.waitFor((f) => f.type === "event" && isItem(f));
    const item = (updated.payload as InboxUpdated).inbox.items.find((i) => i.key === `community:${asked.post.id}`)!;
    expect(item).toMatchObject({
      kind: "mention",
      title: `${t.member.name} mentioned you in the community`,
      detail: `@${t.owner.name} can you check the release notes?`,
      target: { kind: "community", eventId: asked.post.id },
      read: false,
    });
    // The author is not told of their own post.
    expect((await t.memberSocket.ok("inbox.get", {})).inbox.items).toEqual([]);
    // A socket of the previous version (10, which added the communities) gets the item as it is.
    const old = await RawSocket.open(t.ws, { cookie: t.owner.cookie }, { protocol: OLDEST_PROTOCOL_VERSION });
    sockets.push(old);
    await old.hello();
    const oldInbox = (await old.call("inbox.get", {})) as { ok: true; payload: MethodResult<"inbox.get"> };
    expect(oldInbox.payload.inbox.items.map((i) => i.key)).toContain(`community:${asked.post.id}`);
    expect((await t.ownerSocket.ok("inbox.get", {})).inbox.items.map((i) => i.key)).toContain(
      `community:${asked.post.id}`,
    );

    await t.ownerSocket.ok("community.moderate", { action: "hide", eventId: asked.post.id, idempotencyKey: idem() });
    await t.ownerSocket.waitFor(
      (f) =>
        f.type === "event" &&
        f.event === "inbox.updated" &&
        !(f.payload as InboxUpdated).inbox.items.some((i) => i.key === `community:${asked.post.id}`),
    );
  });
});

describe("the public community", () => {
  it("is live for a room whose people read it: another workspace's post arrives as news", async () => {
    const here = await team();
    const elsewhere = await signUp();
    const elsewhereSocket = await open(elsewhere.workspaceId, { cookie: elsewhere.cookie });
    // Reading the public feed makes this room one the public community tells of new posts.
    await here.viewerSocket.ok("community.feed", { community: "public" });
    const { post } = await postIn(elsewhereSocket, "public", "hello from another workspace");
    const news = await newsOf(here.viewerSocket, (p) => p.type === "post" && p.post.id === post.id);
    expect(news).toMatchObject({ post: { community: "public", author: { name: elsewhere.name, role: "user" } } });
    // The workspace's own community is another: nothing of it reached the other room.
    const inWorkspace = await postIn(here.memberSocket, "workspace", "internal");
    await newsOf(here.viewerSocket, (p) => p.type === "post" && p.post.id === inWorkspace.post.id);
    await elsewhereSocket.ok("community.identity", {});
    expect(
      communityEvents(elsewhereSocket).filter((p) => p.type === "post" && p.post.id === inWorkspace.post.id),
    ).toEqual([]);
  });
});

describe("custodial keys", () => {
  it("are made on first use, sign verifiable events, are sealed at rest, and no frame or HTTP answer carries the secret", async () => {
    const t = await team();
    const texts: string[] = [];
    const before = await t.agentSocket.ok("community.identity", {});
    expect(before.custodial).toBeNull();
    const posted = await postIn(t.agentSocket, "workspace", "first");
    await postIn(t.ownerSocket, "public", "hello world");
    const identity = await t.agentSocket.ok("community.identity", {});
    expect(identity.custodial).toBe(posted.post.author.pubkey);

    const rows = (
      await testEnv.DB.prepare("select holder, pubkey, sealed from nostr_custody where holder in (?, ?)")
        .bind(`agent_${t.agent.id}`, t.owner.userId)
        .all<{ holder: string; pubkey: string; sealed: string }>()
    ).results;
    expect(rows).toHaveLength(2);
    const secrets: string[] = [];
    for (const row of rows) {
      const secret = await unsealed(row);
      // The sealed secret is the key's: it opens to the secret of that very pubkey.
      expect(getPublicKey(secret)).toBe(row.pubkey);
      secrets.push(hex(secret), nip19.nsecEncode(secret), btoa(String.fromCharCode(...secret)));
      expect(row.sealed).not.toContain(hex(secret));
    }
    // The event the relay keeps is signed by the custodial key.
    const relay = await NostrSocket.open("/relay");
    sockets.push(relay);
    const stored = await relay.req("mine", {
      authors: [rows.find((r) => r.holder === t.owner.userId)!.pubkey],
      kinds: [1],
    });
    expect(stored.events).toHaveLength(1);
    expect(verifyEvent(stored.events[0]!)).toBe(true);

    // Every answer the server gave: each socket's frames, the identity routes, the relay's frames.
    for (const socket of [t.ownerSocket, t.memberSocket, t.viewerSocket, t.agentSocket])
      texts.push(...socket.frames.map((f) => JSON.stringify(f)));
    texts.push(...relay.frames.map((f) => JSON.stringify(f)));
    const listed = await api<unknown>(`/api/nostr/identities?workspaceId=${t.ws}`, {
      headers: { "x-api-key": t.agent.key },
    });
    expect(listed.status).toBe(200);
    texts.push(JSON.stringify(listed.body));
    texts.push(
      JSON.stringify(
        (await api<unknown>(`/api/nostr/identities?workspaceId=${t.ws}`, { cookie: t.owner.cookie })).body,
      ),
    );
    const everything = texts.join("\n");
    expect(everything).toContain(posted.post.author.pubkey);
    for (const secret of secrets) expect(everything).not.toContain(secret);
  });
});

describe("moderation and access", () => {
  it("scopes: a viewer reads but does not post, only owners and admins moderate, the public community is not a workspace's to moderate", async () => {
    const t = await team();
    const readOnly = await createKey(t.owner, t.ws, ["read"], "reader-bot");
    const readerSocket = await open(t.ws, { key: readOnly.key });
    const posted = await postIn(t.memberSocket, "workspace", "hi");
    expect((await t.viewerSocket.ok("community.feed", { community: "workspace" })).posts).toHaveLength(1);
    for (const socket of [t.viewerSocket, readerSocket]) {
      const refused = await socket.call("community.post", {
        community: "workspace",
        text: "no",
        idempotencyKey: idem(),
      });
      expect(refused).toMatchObject({ ok: false, error: { code: "forbidden" } });
    }
    for (const socket of [t.memberSocket, t.agentSocket]) {
      const refused = await socket.call("community.moderate", {
        action: "hide",
        eventId: posted.post.id,
        idempotencyKey: idem(),
      });
      expect(refused).toMatchObject({ ok: false, error: { code: "forbidden", details: { scope: "admin" } } });
      expect(await socket.call("community.queue", {})).toMatchObject({ ok: false, error: { code: "forbidden" } });
    }
    const publicPost = await postIn(t.memberSocket, "public", "out there");
    const publicHide = await t.ownerSocket.call("community.moderate", {
      community: "public",
      action: "hide",
      eventId: publicPost.post.id,
      idempotencyKey: idem(),
    });
    expect(publicHide).toMatchObject({ ok: false, error: { code: "forbidden" } });
    // Still there for everyone.
    expect(
      (await t.viewerSocket.ok("community.feed", { community: "public", limit: 100 })).posts.map((p) => p.id),
    ).toContain(publicPost.post.id);
    // Bad input is refused before anything is signed.
    const bad = await t.memberSocket.call("community.post", {
      community: "workspace",
      text: " ",
      idempotencyKey: idem(),
    });
    expect(bad).toMatchObject({ ok: false, error: { code: "bad_request" } });
    const nowhere = await t.memberSocket.call("community.react", {
      community: "workspace",
      eventId: "0".repeat(64),
      idempotencyKey: idem(),
    });
    expect(nowhere).toMatchObject({ ok: false, error: { code: "not_found" } });
    const unnamed = await t.ownerSocket.call("community.moderate", { action: "ban", idempotencyKey: idem() });
    expect(unnamed).toMatchObject({ ok: false, error: { code: "bad_request" } });
  });

  it("a report lands in the owners' queue; hide and ban take effect for everyone, on the room and on the relay", async () => {
    const t = await team();
    const spam = await postIn(t.agentSocket, "workspace", "buy now");
    const ownKeys = keys();
    expect((await registerPubkey(ownKeys, t.ws, { cookie: t.member.cookie })).status).toBe(201);
    const stock = await NostrSocket.open(`/relay/w/${t.ws}`);
    sockets.push(stock);
    expect((await stock.auth(ownKeys)).accepted).toBe(true);
    expect((await stock.req("before", { ids: [spam.post.id] })).events).toHaveLength(1);

    await t.memberSocket.ok("community.report", {
      community: "workspace",
      eventId: spam.post.id,
      reason: "spam",
      note: "ads",
      idempotencyKey: idem(),
    });
    await newsOf(t.ownerSocket, (p) => p.type === "moderation");
    // Not for members: their socket answers a later request without ever having had it.
    await t.memberSocket.ok("community.identity", {});
    expect(communityEvents(t.memberSocket).filter((p) => p.type === "moderation")).toEqual([]);
    const queue = await t.ownerSocket.ok("community.queue", {});
    expect(queue.moderation.queue).toHaveLength(1);
    expect(queue.moderation.queue[0]).toMatchObject({
      post: { id: spam.post.id },
      author: { name: "release-bot", role: "agent" },
      reports: [{ reason: "spam", note: "ads", by: { name: t.member.name } }],
    });

    const hidden = await t.ownerSocket.ok("community.moderate", {
      action: "hide",
      eventId: spam.post.id,
      idempotencyKey: idem(),
    });
    expect(hidden.changed).toBe(true);
    expect(hidden.moderation.queue).toEqual([]);
    expect(hidden.moderation.hidden).toMatchObject([{ eventId: spam.post.id, by: t.owner.name }]);
    expect(await newsOf(t.viewerSocket, (p) => p.type === "removed")).toEqual({
      type: "removed",
      community: "workspace",
      eventIds: [spam.post.id],
      pubkey: null,
    });
    const feedIds = (posts: CommunityPost[]) => posts.map((p) => p.id);
    expect(feedIds((await t.viewerSocket.ok("community.feed", { community: "workspace" })).posts)).not.toContain(
      spam.post.id,
    );
    expect((await stock.req("after", { ids: [spam.post.id] })).events).toEqual([]);

    const banned = await t.ownerSocket.ok("community.moderate", {
      action: "ban",
      eventId: spam.post.id,
      idempotencyKey: idem(),
    });
    expect(banned.moderation.banned).toMatchObject([{ author: { pubkey: spam.post.author.pubkey }, by: t.owner.name }]);
    const refused = await t.agentSocket.call("community.post", {
      community: "workspace",
      text: "again",
      idempotencyKey: idem(),
    });
    expect(refused).toMatchObject({
      ok: false,
      error: { code: "forbidden", message: expect.stringMatching(/banned/) },
    });
    // The room's other posts of the banned key go too, for stock clients as well.
    await t.ownerSocket.ok("community.moderate", { action: "unhide", eventId: spam.post.id, idempotencyKey: idem() });
    expect((await stock.req("banned", { authors: [spam.post.author.pubkey] })).events).toEqual([]);
    await t.ownerSocket.ok("community.moderate", {
      action: "unban",
      pubkey: spam.post.author.pubkey,
      idempotencyKey: idem(),
    });
    expect(feedIds((await t.viewerSocket.ok("community.feed", { community: "workspace" })).posts)).toContain(
      spam.post.id,
    );
    const audit = await t.ownerSocket.ok("audit.list", { limit: 20 });
    expect(audit.entries.map((e) => e.action)).toEqual(
      expect.arrayContaining(["community.hide", "community.ban", "community.unhide", "community.unban"]),
    );
  });
});
