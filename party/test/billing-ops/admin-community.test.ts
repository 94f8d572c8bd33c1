// The public community is no workspace's to moderate: its reports reach the operators (this
// project has one, by ADMIN_EMAILS), who hide notes and ban pubkeys from /admin's API. What they
// do holds on the relay for every Nostr client, and the rooms that show the public feed read it
// again at once.
import { describe, expect, it } from "vitest";
import type { CommunityEventPayload, ModerationView } from "../../../shared/protocol/community";
import type { EventFrame } from "../../../shared/protocol/frames";
import { operatorCookie } from "./operator";
import { api, idem, RawSocket, signUp, uniq } from "../harness";
import { keys, NostrSocket, registerPubkey, signed } from "../support/relay-harness";

type ErrorBody = { error: { code: string; message: string } };

const queue = (cookie: string) => api<{ moderation: ModerationView } & ErrorBody>("/api/admin/community", { cookie });
const moderate = (cookie: string, body: unknown) =>
  api<{ changed: boolean; moderation: ModerationView } & ErrorBody>("/api/admin/community/moderate", {
    method: "POST",
    cookie,
    body: JSON.stringify(body),
  });

async function person() {
  const who = await signUp();
  const sock = await RawSocket.open(who.workspaceId, { cookie: who.cookie });
  await sock.hello();
  return { who, sock };
}

describe("the public community's moderation", () => {
  it("reports reach the operators; a hide and a ban hold for everyone, and the rooms showing it read it again", async () => {
    const operator = await operatorCookie();
    const spammer = await person();
    const reader = await person();
    const text = `buy now ${uniq("spam")}`;
    const { post } = await spammer.sock.ok("community.post", { community: "public", text, idempotencyKey: idem() });
    // The reader's room shows the public feed (it watches it from now on) and reports the note.
    const feed = await reader.sock.ok("community.feed", { community: "public", limit: 50 });
    expect(feed.posts.map((p) => p.id)).toContain(post.id);
    await reader.sock.ok("community.report", {
      community: "public",
      eventId: post.id,
      reason: "spam",
      note: "ads",
      idempotencyKey: idem(),
    });

    // Not a workspace's: its owner cannot act on it, and only operators read the queue.
    expect(
      await spammer.sock.call("community.moderate", {
        community: "public",
        action: "hide",
        eventId: post.id,
        idempotencyKey: idem(),
      }),
    ).toMatchObject({ ok: false, error: { code: "forbidden" } });
    expect((await queue(reader.who.cookie)).status).toBe(403);
    expect((await moderate(reader.who.cookie, { action: "hide", eventId: post.id })).status).toBe(403);

    const listed = await queue(operator);
    expect(listed.status).toBe(200);
    const item = listed.body.moderation.queue.find((q) => q.post?.id === post.id);
    expect(item).toMatchObject({
      post: { text, community: "public" },
      author: { name: spammer.who.name },
      reports: [{ reason: "spam", note: "ads", by: { name: reader.who.name } }],
    });

    // Hidden: gone from the relay for any Nostr client, and the watching room reads its feed again.
    const seen = reader.sock.frames.length;
    const hidden = await moderate(operator, { action: "hide", eventId: post.id });
    expect(hidden.status).toBe(200);
    expect(hidden.body.changed).toBe(true);
    expect(hidden.body.moderation.hidden.map((h) => h.eventId)).toContain(post.id);
    expect(hidden.body.moderation.queue.some((q) => q.post?.id === post.id)).toBe(false);
    expect((await moderate(operator, { action: "hide", eventId: post.id })).body.changed).toBe(false);
    await reader.sock.waitFor<EventFrame>(
      (f) =>
        reader.sock.frames.indexOf(f) >= seen &&
        f.type === "event" &&
        f.event === "community.event" &&
        (f.payload as CommunityEventPayload).type === "changed" &&
        (f.payload as { community: string }).community === "public",
      10_000,
    );
    const nostr = await NostrSocket.open("/relay");
    try {
      expect((await nostr.req("h", { ids: [post.id] })).events).toEqual([]);
    } finally {
      nostr.close();
    }
    const after = await reader.sock.ok("community.feed", { community: "public", limit: 50 });
    expect(after.posts.map((p) => p.id)).not.toContain(post.id);

    // Banned by the note's author: their next note is refused with the relay's reason.
    const banned = await moderate(operator, { action: "ban", eventId: post.id });
    expect(banned.body.changed).toBe(true);
    expect(banned.body.moderation.banned.map((b) => b.author.pubkey)).toContain(post.author.pubkey);
    expect(
      await spammer.sock.call("community.post", { community: "public", text: "again", idempotencyKey: idem() }),
    ).toMatchObject({ ok: false, error: { code: "forbidden", message: expect.stringContaining("banned") } });
    for (const s of [spammer.sock, reader.sock]) s.close();
  });

  it("a ban holds for the account: a key it registers afterwards is banned with it and posts nothing; unban lifts it for all", async () => {
    const operator = await operatorCookie();
    const spammer = await person();
    const text = `spam ${uniq("x")}`;
    const { post } = await spammer.sock.ok("community.post", { community: "public", text, idempotencyKey: idem() });
    const banned = await moderate(operator, { action: "ban", eventId: post.id });
    expect(banned.body.changed).toBe(true);
    const fresh = keys();
    expect(await registerPubkey(fresh, spammer.who.workspaceId, { cookie: spammer.who.cookie })).toMatchObject({
      status: 201,
      body: { bannedIn: ["public"] },
    });
    const stock = await NostrSocket.open("/relay");
    const own = await NostrSocket.open(`/relay/w/${spammer.who.workspaceId}`);
    try {
      expect(await stock.publish(signed(fresh, { content: "a new key, the same spammer" }))).toEqual([
        false,
        "blocked: this pubkey is banned from this community",
      ]);
      // Their own workspace's community banned no one: the key posts there.
      expect((await own.auth(fresh)).accepted).toBe(true);
      expect(await own.publish(signed(fresh, { content: "at home" }))).toEqual([true, ""]);
      // The account is one entry in /admin, under the pubkey the operator named.
      const mine = (await queue(operator)).body.moderation.banned.filter((b) => b.author.name === spammer.who.name);
      expect(mine.map((b) => b.author.pubkey)).toEqual([post.author.pubkey]);

      expect((await moderate(operator, { action: "unban", pubkey: post.author.pubkey })).body.changed).toBe(true);
      expect(await stock.publish(signed(fresh, { content: "reformed" }))).toEqual([true, ""]);
      await spammer.sock.ok("community.post", { community: "public", text: "reformed", idempotencyKey: idem() });
    } finally {
      for (const s of [stock, own]) s.close();
      spammer.sock.close();
    }
  });

  it("refuses what names nothing: an unknown note, a ban with no pubkey, a bad body", async () => {
    const operator = await operatorCookie();
    const unknown = "f".repeat(64);
    expect(await moderate(operator, { action: "hide", eventId: unknown })).toMatchObject({
      status: 404,
      body: { error: { code: "not_found" } },
    });
    expect(await moderate(operator, { action: "ban" })).toMatchObject({
      status: 400,
      body: { error: { code: "bad_request", message: expect.stringContaining("pubkey") } },
    });
    expect((await moderate(operator, { action: "delete", eventId: unknown })).status).toBe(400);
    expect((await moderate(operator, { action: "hide", eventId: "not hex" })).status).toBe(400);
  });
});
