// The per-person inbox (docs/inbox.md): items derived from the room's state, sent only to
// their person's sockets, leaving when their cause goes; read state shared by a person's
// tabs; hostile input refused with typed errors; e-mail for what waited too long.
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import type { EventFrame } from "../../../../../shared/protocol/frames";
import { DEFAULT_INBOX_PREFERENCES, type Inbox } from "../../../../../shared/protocol/inbox";
import type { Env } from "../../../../env";
import { mentions } from "./derive";
import { api, idem, openTeam, RawSocket } from "../../../../test/harness";

type InboxFrame = EventFrame & { payload: { inbox: Inbox } };
const isInbox = (f: { type: string; event?: unknown }) => f.type === "event" && f.event === "inbox.updated";

/** The first inbox a socket was sent (from its `since`th frame on) that passes `check`. */
async function inboxWhere(socket: RawSocket, check: (inbox: Inbox) => boolean, since = 0): Promise<Inbox> {
  const frame = await socket.waitFor<InboxFrame>(
    (f) => isInbox(f) && socket.frames.indexOf(f) >= since && check((f as unknown as InboxFrame).payload.inbox),
  );
  return frame.payload.inbox;
}
const keysOf = (inbox: Inbox) => inbox.items.map((item) => item.key);
/** Everything a socket was sent so far: a request answered after a commit comes after the commit's frames. */
const settled = (socket: RawSocket) => socket.ok("inbox.get", {});

describe("mentions", () => {
  it("match @name whole and case-insensitively, names with pattern characters included, never a longer name or an address", () => {
    expect(mentions("hey @alice, look", "Alice")).toBe(true);
    expect(mentions("@Ann Lee please", "Ann Lee")).toBe(true);
    expect(mentions("@alicex look", "Alice")).toBe(false);
    expect(mentions("mail bob@alice.test", "alice")).toBe(false);
    expect(mentions("ask @a.b (x)*?", "a.b (x)*")).toBe(true);
    expect(mentions("ask @aXb (x)", "a.b (x)")).toBe(false);
    expect(mentions("@Zoë!", "zoë")).toBe(true);
    expect(mentions("@ ", " ")).toBe(false);
  });
});

describe("the inbox", () => {
  it("holds a person's own request while they may confirm it, and lets it go when the two-person rule says they may not", async () => {
    const { ownerSocket, secondSocket } = await openTeam("member");
    const { approval } = await ownerSocket.ok("approvals.request", { title: "Ship it", idempotencyKey: idem() });
    const key = `approval:${approval.id}`;
    const mine = await inboxWhere(ownerSocket, (inbox) => keysOf(inbox).includes(key));
    // The item says what it is for and who asked.
    expect(mine.items.find((item) => item.key === key)?.detail).toMatch(/^Asked by /);
    await inboxWhere(secondSocket, (inbox) => keysOf(inbox).includes(key));
    const since = ownerSocket.frames.length;
    await ownerSocket.ok("settings.update", { approvals: { twoPersonRule: true }, idempotencyKey: idem() });
    await inboxWhere(ownerSocket, (inbox) => !keysOf(inbox).includes(key), since);
    expect(keysOf((await secondSocket.ok("inbox.get", {})).inbox)).toContain(key);
  });

  it("greets a person with their inbox, and an agent with none", async () => {
    const { ownerSocket, agentSocket } = await openTeam("member");
    const inbox = await inboxWhere(ownerSocket, () => true);
    expect(inbox).toMatchObject({ items: [], unread: 0, preferences: DEFAULT_INBOX_PREFERENCES });
    await agentSocket.ok("threads.list", {});
    expect(agentSocket.events("inbox.updated")).toEqual([]);
    expect(await agentSocket.call("inbox.get", {})).toMatchObject({ ok: false, error: { code: "forbidden" } });
  });

  it("a mention reaches only the person named; the others' sockets never carry it", async () => {
    const { ownerSocket, secondSocket, agentSocket, ws, second } = await openTeam("member");
    const { thread } = await ownerSocket.ok("threads.create", { title: "Plans", idempotencyKey: idem() });
    const { message } = await ownerSocket.ok("chat.send", {
      threadId: thread.id,
      text: `@${second.name} can you look?`,
      idempotencyKey: idem(),
    });

    const theirs = await inboxWhere(secondSocket, (inbox) => inbox.unread === 1);
    expect(theirs.items).toEqual([
      expect.objectContaining({
        key: `mention:${message.id}`,
        kind: "mention",
        read: false,
        target: { kind: "thread", threadId: thread.id, messageId: message.id },
      }),
    ]);
    // Everything the commit sent has reached the others once their later requests are answered.
    await Promise.all([settled(ownerSocket), agentSocket.ok("threads.list", {})]);
    const carried = [...ownerSocket.events("inbox.updated"), ...agentSocket.events("inbox.updated")].flatMap((f) =>
      keysOf((f as unknown as InboxFrame).payload.inbox),
    );
    expect(carried).not.toContain(`mention:${message.id}`);
    expect(agentSocket.events("inbox.updated")).toEqual([]);
    // A socket opened later gets it in its greeting, and only the person it was for.
    const again = await RawSocket.open(ws, { cookie: second.cookie });
    expect(keysOf(await inboxWhere(again, () => true))).toContain(`mention:${message.id}`);
    again.close();
  });

  it("mentions from one author fold into one item per person, in threads and in the community; another author's stays apart", async () => {
    const { ownerSocket, secondSocket, agentSocket, owner, second } = await openTeam("member");
    const { thread } = await ownerSocket.ok("threads.create", { title: "Flood", idempotencyKey: idem() });
    const { thread: other } = await ownerSocket.ok("threads.create", { title: "Elsewhere", idempotencyKey: idem() });
    const sent = [];
    for (let i = 1; i <= 12; i++)
      sent.push(
        (
          await ownerSocket.ok("chat.send", {
            threadId: i % 2 ? thread.id : other.id,
            text: `@${second.name} look ${i}`,
            idempotencyKey: idem(),
          })
        ).message,
      );
    const first = sent[0]!;
    const last = sent.at(-1)!;
    const mentionsIn = (inbox: Inbox) => inbox.items.filter((item) => item.kind === "mention");
    const isLast = (inbox: Inbox) =>
      mentionsIn(inbox).some((item) => item.target.kind === "thread" && item.target.messageId === last.id);
    const folded = await inboxWhere(secondSocket, isLast);
    // One item, kept under the first mention's key, showing the newest and how many.
    expect(mentionsIn(folded)).toEqual([
      expect.objectContaining({
        key: `mention:${first.id}`,
        title: `${owner.name} mentioned you 12 times`,
        detail: `@${second.name} look 12`,
        read: false,
        target: { kind: "thread", threadId: other.id, messageId: last.id },
      }),
    ]);
    expect(folded.unread).toBe(1);

    // Read, then one more: the same item, updated in place and unread again.
    await secondSocket.ok("inbox.markRead", { keys: [`mention:${first.id}`], idempotencyKey: idem() });
    const since = secondSocket.frames.length;
    const { message: more } = await ownerSocket.ok("chat.send", {
      threadId: thread.id,
      text: `@${second.name} and again`,
      idempotencyKey: idem(),
    });
    const again = await inboxWhere(
      secondSocket,
      (inbox) => mentionsIn(inbox).some((item) => item.target.kind === "thread" && item.target.messageId === more.id),
      since,
    );
    expect(mentionsIn(again)).toEqual([
      expect.objectContaining({
        key: `mention:${first.id}`,
        title: `${owner.name} mentioned you 13 times`,
        read: false,
      }),
    ]);

    // Another author's mention is an item of its own.
    const { message: fromAgent } = await agentSocket.ok("chat.send", {
      threadId: thread.id,
      text: `@${second.name} from the agent`,
      idempotencyKey: idem(),
    });
    const both = await inboxWhere(secondSocket, (inbox) => keysOf(inbox).includes(`mention:${fromAgent.id}`));
    expect(mentionsIn(both).map((item) => item.key)).toEqual([`mention:${fromAgent.id}`, `mention:${first.id}`]);

    // The workspace's community: the same cap.
    const posts: { id: string }[] = [];
    for (let i = 1; i <= 4; i++)
      posts.push(
        (
          await ownerSocket.ok("community.post", {
            community: "workspace",
            text: `@${second.name} community ${i}`,
            idempotencyKey: idem(),
          })
        ).post,
      );
    const community = await inboxWhere(secondSocket, (inbox) =>
      inbox.items.some((item) => item.target.kind === "community" && item.target.eventId === posts.at(-1)!.id),
    );
    expect(community.items.filter((item) => item.target.kind === "community")).toEqual([
      expect.objectContaining({
        key: `community:${posts[0]!.id}`,
        title: `${owner.name} mentioned you 4 times in the community`,
        detail: `@${second.name} community 4`,
      }),
    ]);
  });

  it("an approval waits in the inbox of everyone who may decide it and leaves when someone else decides it", async () => {
    const { ownerSocket, secondSocket, agentSocket } = await openTeam("member");
    const { approval } = await agentSocket.ok("approvals.request", { title: "Ship it", idempotencyKey: idem() });
    const key = `approval:${approval.id}`;
    await inboxWhere(ownerSocket, (inbox) => keysOf(inbox).includes(key));
    await inboxWhere(secondSocket, (inbox) => keysOf(inbox).includes(key));

    const waiting = ownerSocket.frames.length;
    await secondSocket.ok("approvals.resolve", {
      approvalId: approval.id,
      decision: "approve",
      idempotencyKey: idem(),
    });
    const after = await inboxWhere(ownerSocket, (inbox) => !keysOf(inbox).includes(key), waiting);
    expect(after.unread).toBe(0);
  });

  it("a person whose role no longer lets them decide loses the approval from their inbox at once", async () => {
    const { ownerSocket, secondSocket, agentSocket, owner, second, ws } = await openTeam("member");
    const { approval } = await agentSocket.ok("approvals.request", { title: "Decide me", idempotencyKey: idem() });
    const key = `approval:${approval.id}`;
    await inboxWhere(secondSocket, (inbox) => keysOf(inbox).includes(key));
    const member = await (env as unknown as Env).DB.prepare(
      `select "id" from "member" where "organizationId" = ? and "userId" = ?`,
    )
      .bind(ws, second.userId)
      .first<{ id: string }>();
    const since = secondSocket.frames.length;
    const changed = await api("/api/auth/organization/update-member-role", {
      method: "POST",
      cookie: owner.cookie,
      body: JSON.stringify({ memberId: member!.id, role: "viewer", organizationId: ws }),
    });
    expect(changed.status).toBe(200);
    const after = await inboxWhere(secondSocket, (inbox) => !keysOf(inbox).includes(key), since);
    expect(after.unread).toBe(0);
    // The owner may still decide it.
    expect(keysOf((await settled(ownerSocket)).inbox)).toContain(key);
  });

  it("under the two-person rule the person who asked for an instance operation does not get it to decide; the other person does", async () => {
    const { ownerSocket, secondSocket } = await openTeam("member");
    await ownerSocket.ok("settings.update", { approvals: { twoPersonRule: true }, idempotencyKey: idem() });
    const { approval } = await secondSocket.ok("instances.provision", {
      instanceId: "inbox-lab",
      idempotencyKey: idem(),
    });
    await inboxWhere(ownerSocket, (inbox) => keysOf(inbox).includes(`approval:${approval.id}`));
    const mine = await settled(secondSocket);
    expect(keysOf(mine.inbox)).not.toContain(`approval:${approval.id}`);
  });

  it("read state is the person's, shared by all of their sockets", async () => {
    const { ownerSocket, agentSocket, ws, owner } = await openTeam("member");
    const otherTab = await RawSocket.open(ws, { cookie: owner.cookie });
    await otherTab.hello();
    const { approval } = await agentSocket.ok("approvals.request", { title: "Read me", idempotencyKey: idem() });
    const key = `approval:${approval.id}`;
    await inboxWhere(otherTab, (inbox) => inbox.unread === 1 && keysOf(inbox).includes(key));

    const before = otherTab.frames.length;
    expect(await ownerSocket.ok("inbox.markRead", { keys: [key], idempotencyKey: idem() })).toEqual({ unread: 0 });
    const synced = await inboxWhere(otherTab, (inbox) => inbox.unread === 0, before);
    expect(synced.items.find((item) => item.key === key)?.read).toBe(true);
    // Unread again from the other tab.
    const marked = ownerSocket.frames.length;
    await otherTab.ok("inbox.markRead", { keys: [key], read: false, idempotencyKey: idem() });
    const unread = await inboxWhere(ownerSocket, (inbox) => inbox.unread === 1, marked);
    expect(unread.items.find((item) => item.key === key)?.read).toBe(false);
    otherTab.close();
  });

  it("a tab opened right after its person's inbox changed is greeted with the change, however soon after the others", async () => {
    const { ownerSocket, agentSocket, owner, ws } = await openTeam("member");
    const greeting = async () => {
      const tab = await RawSocket.open(ws, { cookie: owner.cookie });
      const inbox = await inboxWhere(tab, () => true);
      tab.close();
      return inbox;
    };
    await greeting();
    // An event: the approval is in the next tab's greeting.
    const { approval } = await agentSocket.ok("approvals.request", { title: "Greet me", idempotencyKey: idem() });
    const key = `approval:${approval.id}`;
    expect((await greeting()).items.find((item) => item.key === key)?.read).toBe(false);
    // An inbox method (no event): the next tab has it read.
    await ownerSocket.ok("inbox.markRead", { keys: [key], idempotencyKey: idem() });
    expect((await greeting()).items.find((item) => item.key === key)?.read).toBe(true);
    const { thread } = await ownerSocket.ok("threads.create", { title: "Followed", idempotencyKey: idem() });
    const before = await greeting();
    expect(before.following).toContain(thread.id);
    await ownerSocket.ok("inbox.follow", { threadId: thread.id, follow: false, idempotencyKey: idem() });
    expect((await greeting()).following).not.toContain(thread.id);
  });

  it("a tab that opens while an update is gathering does not keep the person's other tabs from getting it", async () => {
    const { ownerSocket, agentSocket, owner, ws } = await openTeam("member");
    const since = ownerSocket.frames.length;
    const [{ approval }, late] = await Promise.all([
      agentSocket.ok("approvals.request", { title: "Both tabs", idempotencyKey: idem() }),
      RawSocket.open(ws, { cookie: owner.cookie }),
    ]);
    const key = `approval:${approval.id}`;
    await inboxWhere(late, (inbox) => keysOf(inbox).includes(key));
    await inboxWhere(ownerSocket, (inbox) => keysOf(inbox).includes(key), since);
    late.close();
  });

  it("follows threads one writes in; unfollowing stops their replies, following again brings them back", async () => {
    const { ownerSocket, secondSocket } = await openTeam("member");
    const { thread } = await secondSocket.ok("threads.create", { title: "Questions", idempotencyKey: idem() });
    await secondSocket.ok("chat.send", { threadId: thread.id, text: "anyone?", idempotencyKey: idem() });
    const { message } = await ownerSocket.ok("chat.send", {
      threadId: thread.id,
      text: "here",
      idempotencyKey: idem(),
    });
    const replied = await inboxWhere(secondSocket, (inbox) => keysOf(inbox).includes(`reply:${message.id}`));
    expect(replied.following).toContain(thread.id);

    const following = secondSocket.frames.length;
    expect(
      await secondSocket.ok("inbox.follow", { threadId: thread.id, follow: false, idempotencyKey: idem() }),
    ).toEqual({ threadId: thread.id, following: false });
    const quiet = await inboxWhere(secondSocket, (inbox) => !inbox.following.includes(thread.id), following);
    expect(keysOf(quiet)).not.toContain(`reply:${message.id}`);
    const unfollowed = secondSocket.frames.length;
    await secondSocket.ok("inbox.follow", { threadId: thread.id, follow: true, idempotencyKey: idem() });
    await inboxWhere(secondSocket, (inbox) => keysOf(inbox).includes(`reply:${message.id}`), unfollowed);
    // Their own answer settles it.
    const refollowed = secondSocket.frames.length;
    await secondSocket.ok("chat.send", { threadId: thread.id, text: "thanks", idempotencyKey: idem() });
    await inboxWhere(
      secondSocket,
      (inbox) => inbox.following.includes(thread.id) && !inbox.items.some((item) => item.kind === "reply"),
      refollowed,
    );
  });

  it("a reply item counts the replies since the person's own last message, through every new reply and answer", async () => {
    const { owner, ownerSocket, secondSocket } = await openTeam("member");
    const { thread } = await secondSocket.ok("threads.create", { title: "Counted", idempotencyKey: idem() });
    await secondSocket.ok("chat.send", { threadId: thread.id, text: "anyone?", idempotencyKey: idem() });
    const replyItem = (inbox: Inbox) =>
      inbox.items.find(
        (item) => item.kind === "reply" && item.target.kind === "thread" && item.target.threadId === thread.id,
      );
    const reply = async (text: string) => {
      const since = secondSocket.frames.length;
      const { message } = await ownerSocket.ok("chat.send", { threadId: thread.id, text, idempotencyKey: idem() });
      return replyItem(
        await inboxWhere(secondSocket, (inbox) => replyItem(inbox)?.key === `reply:${message.id}`, since),
      );
    };
    expect(await reply("one")).toMatchObject({ title: "A reply in “Counted”", detail: `${owner.name}: one` });
    expect(await reply("two")).toMatchObject({ title: "2 replies in “Counted”", detail: `${owner.name}: two` });
    // Their own answer settles it; the next reply counts from there.
    const answered = secondSocket.frames.length;
    await secondSocket.ok("chat.send", { threadId: thread.id, text: "thanks", idempotencyKey: idem() });
    await inboxWhere(secondSocket, (inbox) => replyItem(inbox) === undefined, answered);
    expect(await reply("three")).toMatchObject({ title: "A reply in “Counted”", detail: `${owner.name}: three` });
  });

  it("a person who follows a thread with inbox.follow gets its next reply live", async () => {
    const { ownerSocket, secondSocket } = await openTeam("member");
    const { thread } = await secondSocket.ok("threads.create", { title: "Later followed", idempotencyKey: idem() });
    await secondSocket.ok("chat.send", { threadId: thread.id, text: "first", idempotencyKey: idem() });
    await ownerSocket.ok("inbox.follow", { threadId: thread.id, follow: true, idempotencyKey: idem() });
    const since = ownerSocket.frames.length;
    const { message } = await secondSocket.ok("chat.send", {
      threadId: thread.id,
      text: "second",
      idempotencyKey: idem(),
    });
    await inboxWhere(ownerSocket, (inbox) => keysOf(inbox).includes(`reply:${message.id}`), since);
  });

  it("a failed job reaches the person who started it", async () => {
    const { ownerSocket, secondSocket } = await openTeam("member");
    const { job } = await secondSocket.ok("jobs.start", { title: "Import", idempotencyKey: idem() });
    await secondSocket.ok("jobs.fail", { jobId: job.id, error: "disk full", idempotencyKey: idem() });
    const inbox = await inboxWhere(secondSocket, (i) => keysOf(i).includes(`failure:job:${job.id}`));
    expect(inbox.items[0]).toMatchObject({ kind: "failure", detail: "disk full" });
    expect(keysOf((await settled(ownerSocket)).inbox)).not.toContain(`failure:job:${job.id}`);
  });

  it("hostile input to the inbox methods gets typed errors and changes nothing", async () => {
    const { ownerSocket } = await openTeam("member");
    const bad = async (method: string, params: unknown, code = "bad_request") =>
      expect(await ownerSocket.call(method, params)).toMatchObject({ ok: false, error: { code } });
    await bad("inbox.markRead", { keys: [], idempotencyKey: idem() });
    await bad("inbox.markRead", { keys: "approval:x", idempotencyKey: idem() });
    await bad("inbox.markRead", { keys: Array.from({ length: 101 }, (_, i) => `k${i}`), idempotencyKey: idem() });
    await bad("inbox.markRead", { keys: ["x".repeat(201)], idempotencyKey: idem() });
    await bad("inbox.markRead", { keys: ["a"] });
    await bad("inbox.markRead", { keys: [{ toString: 1 }], idempotencyKey: idem() });
    await bad("inbox.follow", { threadId: "", follow: true, idempotencyKey: idem() });
    await bad("inbox.follow", { threadId: "t1", follow: "yes", idempotencyKey: idem() });
    await bad("inbox.follow", { threadId: "no-such-thread", follow: true, idempotencyKey: idem() }, "not_found");
    const prefs = DEFAULT_INBOX_PREFERENCES;
    await bad("inbox.configure", { preferences: { ...prefs, emailAfterMs: -1 }, idempotencyKey: idem() });
    await bad("inbox.configure", { preferences: { ...prefs, emailAfterMs: 1e15 }, idempotencyKey: idem() });
    await bad("inbox.configure", { preferences: { ...prefs, approval: { browser: true } }, idempotencyKey: idem() });
    await bad("inbox.configure", { preferences: "all", idempotencyKey: idem() });
    // Marking what is not an item stores nothing.
    expect(
      await ownerSocket.ok("inbox.markRead", { keys: ["approval:not-there", "__proto__"], idempotencyKey: idem() }),
    ).toEqual({ unread: 0 });
    expect((await settled(ownerSocket)).inbox).toMatchObject({ items: [], preferences: prefs, following: [] });
  });

  it("mails what waited longer than the person's delay, once, with a link that opens it", async () => {
    const { ownerSocket, agentSocket, owner, ws } = await openTeam("member");
    const preferences = { ...DEFAULT_INBOX_PREFERENCES, emailAfterMs: 0 };
    expect(await ownerSocket.ok("inbox.configure", { preferences, idempotencyKey: idem() })).toEqual({ preferences });
    const { approval } = await agentSocket.ok("approvals.request", { title: "Mail me", idempotencyKey: idem() });
    const mailed = await waitForMail(owner.cookie, /Mail me/);
    expect(mailed).toHaveLength(1);
    const link = new URL(mailed[0]!.link);
    expect(link.searchParams.get("w")).toBe(ws);
    expect(link.searchParams.get("approval")).toBe(approval.id);
    expect(mailed[0]!.subject).toMatch(/^An approval is waiting for you/);
    // The next sweep (for the next approval) does not mail the first again.
    await agentSocket.ok("approvals.request", { title: "And me", idempotencyKey: idem() });
    await waitForMail(owner.cookie, /And me/);
    expect(await mailsNow(owner.cookie, /Mail me/)).toHaveLength(1);
  });

  it("mails a reply in a thread the person follows and a message that names them", async () => {
    const { ownerSocket, agentSocket, owner } = await openTeam("member");
    const replies = {
      ...DEFAULT_INBOX_PREFERENCES,
      reply: { ...DEFAULT_INBOX_PREFERENCES.reply, email: true },
      emailAfterMs: 0,
    };
    await ownerSocket.ok("inbox.configure", { preferences: replies, idempotencyKey: idem() });
    const { thread } = await ownerSocket.ok("threads.create", { title: "Mail the replies", idempotencyKey: idem() });
    await ownerSocket.ok("chat.send", { threadId: thread.id, text: "anyone?", idempotencyKey: idem() });
    await agentSocket.ok("chat.send", { threadId: thread.id, text: "here", idempotencyKey: idem() });
    expect(await waitForMail(owner.cookie, /^New replies in a thread you follow/)).toHaveLength(1);
    // Once a sweep has mailed this approval, no sweep is left waiting: only the mention, in a
    // thread nobody follows, can set off the one that mails it.
    await agentSocket.ok("approvals.request", { title: "Before the mention", idempotencyKey: idem() });
    await waitForMail(owner.cookie, /Before the mention/);
    const { thread: unfollowed } = await agentSocket.ok("threads.create", {
      title: "Nobody follows",
      idempotencyKey: idem(),
    });
    await agentSocket.ok("chat.send", {
      threadId: unfollowed.id,
      text: `@${owner.name} and you?`,
      idempotencyKey: idem(),
    });
    expect(await waitForMail(owner.cookie, /^You were mentioned/)).toHaveLength(1);
  });

  it("mails nobody who lost access meanwhile", async () => {
    const { ownerSocket, secondSocket, agentSocket, owner, second, ws } = await openTeam("member");
    const preferences = { ...DEFAULT_INBOX_PREFERENCES, emailAfterMs: 0 };
    await secondSocket.ok("inbox.configure", { preferences, idempotencyKey: idem() });
    await ownerSocket.ok("inbox.configure", { preferences, idempotencyKey: idem() });
    const removed = await api("/api/auth/organization/remove-member", {
      method: "POST",
      cookie: owner.cookie,
      body: JSON.stringify({ memberIdOrEmail: second.email, organizationId: ws }),
    });
    expect(removed.status).toBe(200);
    await agentSocket.ok("approvals.request", { title: "Only for the owner", idempotencyKey: idem() });
    await waitForMail(owner.cookie, /Only for the owner/);
    // A sweep mails everyone it mails before the next one starts: once the owner has the next approval's mail, the first sweep is over.
    await agentSocket.ok("approvals.request", { title: "Next sweep", idempotencyKey: idem() });
    await waitForMail(owner.cookie, /Next sweep/);
    expect(await mailsNow(second.cookie, /Only for the owner|Next sweep/)).toEqual([]);
  });
});

/** The mails in the person's outbox whose subject matches, as it is now. */
async function mailsNow(cookie: string, subject: RegExp) {
  const outbox = await api<{ mails: { subject: string; link: string }[] }>("/api/dev/mail", { cookie });
  return outbox.body.mails.filter((m) => subject.test(m.subject));
}

/** The matching mails, once there is one. */
function waitForMail(cookie: string, subject: RegExp) {
  return vi.waitFor(
    async () => {
      const found = await mailsNow(cookie, subject);
      expect(found.length, `mails matching ${subject}`).toBeGreaterThan(0);
      return found;
    },
    { timeout: 10_000, interval: 100 },
  );
}
