import { evictDurableObject, SELF } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { ORIGIN, signUp } from "../../test/harness";
import { closedAfterEach, keys, now, registerPubkey, signed } from "../../test/support/relay-harness";

// The relay (party/rooms/relay/) NIP by NIP, in workerd, on the public community: a table
// per NIP of what a client sends and what the relay must answer. No conformance suite for
// Nostr relays is published on npm, so these are the conformance checks. Every test uses
// fresh keys and filters by them, so the tests share the community without seeing each other.

const open = closedAfterEach();

describe("NIP-11: the relay information document", () => {
  it("answers Accept: application/nostr+json with the NIPs and the limits it enforces, to any origin", async () => {
    const res = await SELF.fetch(`${ORIGIN}/relay`, { headers: { accept: "application/nostr+json" } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("application/nostr+json");
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    const doc = (await res.json()) as { supported_nips: number[]; limitation: Record<string, unknown> };
    expect(doc.supported_nips).toEqual([1, 9, 10, 11, 24, 25, 42, 56, 65]);
    expect(doc.limitation).toMatchObject({
      max_message_length: expect.any(Number),
      max_subscriptions: expect.any(Number),
      max_filters: expect.any(Number),
      max_limit: expect.any(Number),
      max_event_tags: expect.any(Number),
      max_content_length: expect.any(Number),
      created_at_lower_limit: expect.any(Number),
      created_at_upper_limit: expect.any(Number),
      auth_required: false,
      restricted_writes: false,
    });
    const workspace = await SELF.fetch(`${ORIGIN}/relay/w/ws-1`, { headers: { accept: "application/nostr+json" } });
    expect(((await workspace.json()) as { limitation: { auth_required: boolean } }).limitation.auth_required).toBe(
      true,
    );
    const preflight = await SELF.fetch(`${ORIGIN}/relay`, { method: "OPTIONS" });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-methods")).toContain("GET");
    expect((await SELF.fetch(`${ORIGIN}/relay/elsewhere`)).status).toBe(404);
    expect((await SELF.fetch(`${ORIGIN}/relay/w/%55x`)).status).toBe(404);
  });
});

describe("NIP-01: events, filters, subscriptions", () => {
  it("stores an event (OK true), answers a REQ with it then EOSE, and sends later matches live", async () => {
    const alice = keys();
    const socket = await open();
    const reader = await open();
    const first = signed(alice, { content: "first", tags: [["t", "nip01"]] });
    expect(await socket.publish(first)).toEqual([true, ""]);
    const { events, closed } = await reader.req("feed", { authors: [alice.pubkey] });
    expect(closed).toBeNull();
    expect(events.map((e) => e.id)).toEqual([first.id]);
    expect(events[0]).toEqual(JSON.parse(JSON.stringify(first)));
    const from = reader.frames.length;
    const second = signed(alice, { content: "second", created_at: now() + 1 });
    expect(await socket.publish(second)).toEqual([true, ""]);
    await reader.next((f) => f[0] === "EVENT" && f[1] === "feed", from);
    expect(reader.liveEvents("feed", from).map((e) => e.id)).toEqual([second.id]);
    // The same event again changes nothing.
    expect(await socket.publish(first)).toEqual([true, "duplicate: already have this event"]);
  });

  it("filters by ids, authors, kinds, #tag, since/until and limit, newest first", async () => {
    const alice = keys();
    const bob = keys();
    const socket = await open();
    const t = now() - 100;
    const a1 = signed(alice, { kind: 1, created_at: t, tags: [["t", "red"]] });
    const a2 = signed(alice, { kind: 1, created_at: t + 10, tags: [["t", "blue"]] });
    const a3 = signed(alice, { kind: 1111, created_at: t + 20, tags: [["t", "red"]] });
    const b1 = signed(bob, { kind: 1, created_at: t + 30, tags: [["t", "red"]] });
    for (const e of [a1, a2, a3, b1]) expect((await socket.publish(e))[0]).toBe(true);
    const ids = async (...filters: unknown[]) =>
      (await socket.req(crypto.randomUUID(), ...filters)).events.map((e) => e.id);
    const both = [alice.pubkey, bob.pubkey];
    expect(await ids({ authors: both })).toEqual([b1.id, a3.id, a2.id, a1.id]);
    expect(await ids({ ids: [a2.id, b1.id] })).toEqual([b1.id, a2.id]);
    expect(await ids({ authors: both, kinds: [1111] })).toEqual([a3.id]);
    expect(await ids({ authors: both, "#t": ["red"] })).toEqual([b1.id, a3.id, a1.id]);
    expect(await ids({ authors: [alice.pubkey], "#t": ["red", "blue"], kinds: [1] })).toEqual([a2.id, a1.id]);
    expect(await ids({ authors: both, since: t + 10, until: t + 20 })).toEqual([a3.id, a2.id]);
    expect(await ids({ authors: both, limit: 2 })).toEqual([b1.id, a3.id]);
    expect(await ids({ authors: both, limit: 0 })).toEqual([]);
    // Two filters: the union, each event once.
    expect(await ids({ ids: [a1.id] }, { authors: [alice.pubkey], kinds: [1] })).toEqual([a1.id, a2.id]);
  });

  it("CLOSE ends a subscription's live events; a REQ with an open id replaces its filters", async () => {
    const alice = keys();
    const socket = await open();
    const reader = await open();
    await reader.req("s", { authors: [alice.pubkey], kinds: [1] });
    await reader.req("s", { authors: [alice.pubkey], kinds: [7777] });
    const from = reader.frames.length;
    // A marker the replaced filter matches and a note it no longer does, then CLOSE and one more marker.
    await socket.publish(signed(alice, { kind: 1 }));
    const marker = signed(alice, { kind: 7777 });
    await socket.publish(marker);
    await reader.next((f) => f[0] === "EVENT" && (f[2] as { id: string }).id === marker.id, from);
    expect(reader.liveEvents("s", from).map((e) => e.id)).toEqual([marker.id]);
    reader.send(["CLOSE", "s"]);
    const other = await open();
    await reader.req("probe", { authors: [alice.pubkey], kinds: [7778] });
    const after = reader.frames.length;
    await other.publish(signed(alice, { kind: 7777 }));
    const probe = signed(alice, { kind: 7778 });
    await other.publish(probe);
    await reader.next((f) => f[0] === "EVENT" && f[1] === "probe", after);
    expect(reader.liveEvents("s", after)).toEqual([]);
  });

  it("sends a live event once to each subscription it matches, whatever field its filters name", async () => {
    const alice = keys();
    const tag = crypto.randomUUID();
    const reader = await open();
    const since = now() - 5;
    const subs: Record<string, unknown[]> = {
      byAuthor: [{ authors: [alice.pubkey] }],
      byTag: [{ "#t": [tag], kinds: [1] }],
      byKind: [{ kinds: [1], since }],
      // No id, author, tag or kind: tried on every event.
      byTime: [{ since }],
      // Two filters that both match: the event still comes once.
      twice: [{ authors: [alice.pubkey] }, { "#t": [tag] }],
      other: [{ authors: [keys().pubkey] }, { "#t": ["not-this"] }, { kinds: [7] }],
    };
    for (const [id, filters] of Object.entries(subs))
      await reader.req(id, ...filters.map((f) => ({ ...(f as object), limit: 0 })));
    const from = reader.frames.length;
    const event = signed(alice, { tags: [["t", tag]] });
    const writer = await open();
    expect(await writer.publish(event)).toEqual([true, ""]);
    await reader.next((f) => f[0] === "EVENT" && f[1] === "twice", from);
    await reader.next((f) => f[0] === "EVENT" && f[1] === "byTime", from);
    const ours = (sub: string) => reader.liveEvents(sub, from).filter((e) => e.id === event.id).length;
    expect(Object.fromEntries(Object.keys(subs).map((id) => [id, ours(id)]))).toEqual({
      byAuthor: 1,
      byTag: 1,
      byKind: 1,
      byTime: 1,
      twice: 1,
      other: 0,
    });
  });

  it("keeps the newest replaceable (kind 0, 3, 10000-19999) and addressable (30000-39999 per d) event; ephemeral ones go out unstored", async () => {
    const alice = keys();
    const socket = await open();
    const t = now() - 50;
    const old = signed(alice, { kind: 3, created_at: t, tags: [["p", keys().pubkey]] });
    const newer = signed(alice, { kind: 3, created_at: t + 5, tags: [] });
    expect(await socket.publish(newer)).toEqual([true, ""]);
    expect(await socket.publish(old)).toEqual([true, "duplicate: a newer version is stored"]);
    expect((await socket.req("r", { authors: [alice.pubkey], kinds: [3] })).events.map((e) => e.id)).toEqual([
      newer.id,
    ]);
    const d1 = signed(alice, { kind: 30023, created_at: t, tags: [["d", "post-1"]], content: "v1" });
    const d1b = signed(alice, { kind: 30023, created_at: t + 1, tags: [["d", "post-1"]], content: "v2" });
    const d2 = signed(alice, { kind: 30023, created_at: t, tags: [["d", "post-2"]] });
    for (const e of [d1, d1b, d2]) expect((await socket.publish(e))[0]).toBe(true);
    const addressable = await socket.req("a", { authors: [alice.pubkey], kinds: [30023] });
    expect(addressable.events.map((e) => e.id).sort()).toEqual([d1b.id, d2.id].sort());
    const listener = await open();
    await listener.req("eph", { authors: [alice.pubkey], kinds: [20001] });
    const from = listener.frames.length;
    const ephemeral = signed(alice, { kind: 20001 });
    expect(await socket.publish(ephemeral)).toEqual([true, ""]);
    await listener.next((f) => f[0] === "EVENT" && f[1] === "eph", from);
    expect((await socket.req("e2", { ids: [ephemeral.id] })).events).toEqual([]);
  });

  it("keeps subscriptions and AUTH through hibernation: after the object is evicted, a member still gets and posts events", async () => {
    // A workspace's community of its own, so that the eviction reaches no other test's sockets.
    const owner = await signUp();
    const alice = keys();
    expect((await registerPubkey(alice, owner.workspaceId, { cookie: owner.cookie })).status).toBe(201);
    const path = `/relay/w/${owner.workspaceId}`;
    const reader = await open(path);
    const writer = await open(path);
    for (const socket of [reader, writer]) expect((await socket.auth(alice)).accepted).toBe(true);
    await reader.req("kept", { authors: [alice.pubkey] });
    const relay = (env as unknown as { NostrRelay: DurableObjectNamespace }).NostrRelay;
    await evictDurableObject(relay.get(relay.idFromName(`w:${owner.workspaceId}`)));
    const from = reader.frames.length;
    const event = signed(alice, { content: "after the eviction" });
    expect(await writer.publish(event)).toEqual([true, ""]);
    const live = await reader.next((f) => f[0] === "EVENT" && f[1] === "kept", from);
    expect((live[2] as { id: string }).id).toBe(event.id);
  });
});

describe("NIP-09: deletion", () => {
  it("deletes the author's own events named by e and a tags, refuses them again, and leaves another's", async () => {
    const alice = keys();
    const mallory = keys();
    const socket = await open();
    const note = signed(alice, { content: "oops" });
    const article = signed(alice, { kind: 30023, tags: [["d", "draft"]], created_at: now() - 5 });
    const bobs = signed(mallory, { content: "not alice's" });
    for (const e of [note, article, bobs]) expect((await socket.publish(e))[0]).toBe(true);
    const deletion = signed(alice, {
      kind: 5,
      tags: [
        ["e", note.id],
        ["e", bobs.id],
        ["a", `30023:${alice.pubkey}:draft`],
      ],
      content: "posted by mistake",
    });
    expect(await socket.publish(deletion)).toEqual([true, ""]);
    const left = await socket.req("d", { authors: [alice.pubkey, mallory.pubkey] });
    expect(left.events.map((e) => e.id).sort()).toEqual([bobs.id, deletion.id].sort());
    expect(await socket.publish(note)).toEqual([false, "blocked: its author deleted this event"]);
    const older = signed(alice, { kind: 30023, tags: [["d", "draft"]], created_at: now() - 4 });
    expect((await socket.publish(older))[1]).toMatch(/^blocked:/);
    // A deletion without a target is not one.
    expect((await socket.publish(signed(alice, { kind: 5, tags: [] })))[1]).toMatch(/^invalid: .*NIP-09/);
  });
});

describe("NIP-10: replies", () => {
  it("stores e and p tags with their markers, filterable by #e and #p; a bad marker or id is refused", async () => {
    const alice = keys();
    const bob = keys();
    const socket = await open();
    const root = signed(alice, { content: "root" });
    const reply = signed(bob, {
      content: "reply",
      tags: [
        ["e", root.id, "", "root"],
        ["p", alice.pubkey],
      ],
    });
    const nested = signed(alice, {
      content: "nested",
      tags: [
        ["e", root.id, "", "root"],
        ["e", reply.id, "", "reply"],
        ["p", bob.pubkey],
      ],
    });
    for (const e of [root, reply, nested]) expect((await socket.publish(e))[0]).toBe(true);
    const thread = await socket.req("t", { "#e": [root.id] });
    expect(thread.events.map((e) => e.id).sort()).toEqual([reply.id, nested.id].sort());
    expect(thread.events.find((e) => e.id === nested.id)!.tags).toEqual(nested.tags);
    expect((await socket.req("p", { "#p": [bob.pubkey] })).events.map((e) => e.id)).toEqual([nested.id]);
    const badMarker = signed(bob, { tags: [["e", root.id, "", "parent"]] });
    expect((await socket.publish(badMarker))[1]).toMatch(/^invalid: .*NIP-10/);
    const badId = signed(bob, { tags: [["e", "not-an-id"]] });
    expect((await socket.publish(badId))[1]).toMatch(/^invalid: an e tag/);
  });
});

describe("NIP-24: bot profiles", () => {
  it("takes a profile with bot: true and refuses a bot field that is not a boolean or content that is not JSON", async () => {
    const agent = keys();
    const socket = await open();
    const profile = signed(agent, { kind: 0, content: JSON.stringify({ name: "release-bot", bot: true }) });
    expect(await socket.publish(profile)).toEqual([true, ""]);
    const [stored] = (await socket.req("p", { authors: [agent.pubkey], kinds: [0] })).events;
    expect(JSON.parse(stored!.content)).toEqual({ name: "release-bot", bot: true });
    const wrongBot = signed(agent, { kind: 0, content: JSON.stringify({ bot: "yes" }), created_at: now() + 1 });
    expect((await socket.publish(wrongBot))[1]).toMatch(/^invalid: .*NIP-24/);
    const notJson = signed(agent, { kind: 0, content: "hello", created_at: now() + 2 });
    expect((await socket.publish(notJson))[1]).toMatch(/^invalid: .*JSON/);
  });
});

describe("NIP-25: reactions", () => {
  it("stores a reaction filterable by the event it reacts to; one with no e or a tag is refused", async () => {
    const alice = keys();
    const bob = keys();
    const socket = await open();
    const post = signed(alice);
    await socket.publish(post);
    const upvote = signed(bob, {
      kind: 7,
      content: "+",
      tags: [
        ["e", post.id],
        ["p", alice.pubkey],
      ],
    });
    expect(await socket.publish(upvote)).toEqual([true, ""]);
    expect((await socket.req("r", { kinds: [7], "#e": [post.id] })).events.map((e) => e.id)).toEqual([upvote.id]);
    expect((await socket.publish(signed(bob, { kind: 7, content: "+" })))[1]).toMatch(/^invalid: .*NIP-25/);
  });

  it("keeps one reaction per author, target and content: a repeat is a duplicate, sent to no one", async () => {
    const alice = keys();
    const bob = keys();
    const socket = await open();
    const reader = await open();
    const post = signed(alice);
    await socket.publish(post);
    const react = (content: string, created_at = now()) =>
      signed(bob, { kind: 7, content, created_at, tags: [["e", post.id]] });
    const first = react("+", now() - 2);
    expect(await socket.publish(first)).toEqual([true, ""]);
    await reader.req("live", { kinds: [7], "#e": [post.id], since: now() - 1 });
    const again = react("+");
    const [accepted, reason] = await socket.publish(again);
    expect(accepted).toBe(true);
    expect(reason).toMatch(/^duplicate:/);
    // Another content by the same key is its own reaction, and the live subscription gets
    // it (and nothing before it: the repeat went to no one).
    const heart = react("❤️");
    expect(await socket.publish(heart)).toEqual([true, ""]);
    await reader.next((f) => f[0] === "EVENT" && f[1] === "live" && (f[2] as { id: string }).id === heart.id);
    const live = reader.frames
      .filter((f) => f[0] === "EVENT" && f[1] === "live")
      .map((f) => (f[2] as { id: string }).id);
    expect(live).toEqual([heart.id]);
    // Another key's "+" counts too.
    expect(await socket.publish(signed(alice, { kind: 7, content: "+", tags: [["e", post.id]] }))).toEqual([true, ""]);
    const stored = (await socket.req("r", { kinds: [7], "#e": [post.id] })).events;
    expect(stored.map((e) => e.id)).not.toContain(again.id);
    expect(stored).toHaveLength(3);
  });
});

describe("NIP-56: reports", () => {
  it("stores a report (kind 1984) for the moderation queue; one without a p tag or with an unknown type is refused", async () => {
    const alice = keys();
    const spammer = keys();
    const socket = await open();
    const spam = signed(spammer, { content: "buy now" });
    await socket.publish(spam);
    const report = signed(alice, {
      kind: 1984,
      content: "spam links",
      tags: [
        ["e", spam.id, "spam"],
        ["p", spammer.pubkey],
      ],
    });
    expect(await socket.publish(report)).toEqual([true, ""]);
    expect((await socket.req("q", { kinds: [1984], "#p": [spammer.pubkey] })).events.map((e) => e.id)).toEqual([
      report.id,
    ]);
    expect((await socket.publish(signed(alice, { kind: 1984, tags: [["e", spam.id, "spam"]] })))[1]).toMatch(
      /^invalid: .*NIP-56/,
    );
    const unknownType = signed(alice, { kind: 1984, tags: [["p", spammer.pubkey, "annoying"]] });
    expect((await socket.publish(unknownType))[1]).toMatch(/^invalid: .*NIP-56/);
  });
});

describe("NIP-65: relay lists", () => {
  it("keeps the newest kind 10002 per author; r tags hold ws(s) URLs marked read, write or neither", async () => {
    const alice = keys();
    const socket = await open();
    const first = signed(alice, { kind: 10002, tags: [["r", "wss://a.example/relay"]], created_at: now() - 2 });
    const second = signed(alice, {
      kind: 10002,
      tags: [
        ["r", "wss://b.example/relay", "read"],
        ["r", "ws://c.example", "write"],
      ],
      created_at: now() - 1,
    });
    expect((await socket.publish(first))[0]).toBe(true);
    expect((await socket.publish(second))[0]).toBe(true);
    expect((await socket.req("l", { authors: [alice.pubkey], kinds: [10002] })).events.map((e) => e.id)).toEqual([
      second.id,
    ]);
    const http = signed(alice, { kind: 10002, tags: [["r", "https://not.a.relay"]] });
    expect((await socket.publish(http))[1]).toMatch(/^invalid: .*NIP-65/);
    const marker = signed(alice, { kind: 10002, tags: [["r", "wss://d.example", "both"]] });
    expect((await socket.publish(marker))[1]).toMatch(/^invalid: .*NIP-65/);
  });
});

describe("NIP-42: authentication", () => {
  it("sends a challenge first and takes an AUTH event for it and this relay; refuses another challenge, relay, time or signature", async () => {
    const alice = keys();
    const socket = await open();
    await socket.challenge;
    expect(socket.frames[0]?.[0]).toBe("AUTH");
    expect(await socket.auth(alice, { challenge: "not-the-challenge" })).toEqual({
      accepted: false,
      reason: "invalid: the AUTH event answers another challenge",
    });
    expect((await socket.auth(alice, { relay: "wss://elsewhere.example/relay" })).reason).toBe(
      "restricted: the AUTH event names another relay than this server",
    );
    expect((await socket.auth(alice, { created_at: now() - 3600 })).reason).toBe(
      "invalid: the AUTH event is too old or too new",
    );
    const challenge = await socket.challenge;
    const forged = {
      ...signed(alice, {
        kind: 22242,
        tags: [
          ["relay", socket.url],
          ["challenge", challenge],
        ],
      }),
    };
    forged.sig = forged.sig.replace(/^./, (c) => (c === "0" ? "1" : "0"));
    socket.send(["AUTH", forged]);
    const refused = await socket.next((f) => f[0] === "OK" && f[1] === forged.id);
    expect(refused.slice(2)).toEqual([false, "invalid: bad signature"]);
    expect(await socket.auth(alice)).toEqual({ accepted: true, reason: "" });
    // An AUTH event is never an EVENT.
    const asEvent = signed(alice, { kind: 22242, tags: [["challenge", challenge]] });
    expect((await socket.publish(asEvent))[1]).toMatch(/^invalid: .*NIP-42/);
  });
});
