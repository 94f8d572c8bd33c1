// A person's own message is no item of their own (decision 95): it derives its author's inbox
// again only when it can change it, by a follow it made or by the replies there it settles. A
// reply's turn had derived the asker's inbox twice, once for the question and once for the answer.
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { Inbox } from "../../../../../shared/protocol/inbox";
import { autopilotStub, idem, openTeam, type RawSocket } from "../../../../test/harness";

/** Counts, from now on, how often the room derives an inbox to send (it reads the person's preferences once for it), by person. */
async function countDerivations(ws: string): Promise<() => Promise<Map<string, number>>> {
  const stub = autopilotStub(ws);
  await runInDurableObject(stub, (_room, state) => {
    const storage = state.storage.sql as SqlStorage & { derived?: Map<string, number> };
    const exec = storage.exec;
    const derived = new Map<string, number>();
    storage.derived = derived;
    storage.exec = ((query: string, ...params: unknown[]) => {
      if (/^select "preferences" from "inbox_people" where/.test(query))
        for (const p of params) if (typeof p === "string") derived.set(p, (derived.get(p) ?? 0) + 1);
      return exec.call(storage, query, ...params);
    }) as SqlStorage["exec"];
  });
  return () =>
    runInDurableObject(stub, (_room, state) => {
      const storage = state.storage.sql as SqlStorage & { derived?: Map<string, number> };
      return new Map(storage.derived ?? []);
    });
}

const inboxWhere = async (sock: RawSocket, check: (inbox: Inbox) => boolean, since: number): Promise<Inbox> =>
  (
    (await sock.waitFor(
      (f) =>
        f.type === "event" &&
        f.event === "inbox.updated" &&
        sock.frames.indexOf(f) >= since &&
        check((f.payload as { inbox: Inbox }).inbox),
    )) as { payload: { inbox: Inbox } }
  ).payload.inbox;

describe("a person's own message", () => {
  it("derives its author's inbox only when it follows a thread or settles replies there; the answer to it still comes", async () => {
    const { ws, owner, second, ownerSocket, secondSocket } = await openTeam("member");
    const { thread } = await secondSocket.ok("threads.create", { title: "Asked", idempotencyKey: idem() });
    const derived = await countDerivations(ws);
    // The second person's first message in their own thread, then another: they followed it on
    // creating it and nobody answered, so neither can change their inbox. Each names the owner,
    // whose inbox the same window derives: its mention shows the window went.
    for (const text of ["one", "two"]) {
      const since = ownerSocket.frames.length;
      const { message } = await secondSocket.ok("chat.send", {
        threadId: thread.id,
        text: `@${owner.name} ${text}`,
        idempotencyKey: idem(),
      });
      // Mentions by one author fold into one item: it shows the newest.
      const shows = (inbox: Inbox) =>
        inbox.items.some((i) => i.target.kind === "thread" && i.target.messageId === message.id);
      await inboxWhere(ownerSocket, shows, since);
    }
    expect((await derived()).get(second.userId) ?? 0).toBe(0);

    // The owner answers: a thread the owner now follows by writing (their own inbox says so),
    // and a reply in the asker's.
    const [ownerSince, secondSince] = [ownerSocket.frames.length, secondSocket.frames.length];
    const { message } = await ownerSocket.ok("chat.send", {
      threadId: thread.id,
      text: "here",
      idempotencyKey: idem(),
    });
    await inboxWhere(secondSocket, (inbox) => inbox.items.some((i) => i.key === `reply:${message.id}`), secondSince);
    await inboxWhere(ownerSocket, (inbox) => inbox.following.includes(thread.id), ownerSince);
    expect((await derived()).get(second.userId)).toBe(1);

    // The asker's own message now settles that reply: derived, and the item goes.
    const settled = secondSocket.frames.length;
    await secondSocket.ok("chat.send", { threadId: thread.id, text: "thanks", idempotencyKey: idem() });
    await inboxWhere(secondSocket, (inbox) => !inbox.items.some((i) => i.kind === "reply"), settled);
    expect((await derived()).get(second.userId)).toBe(2);
  });
});
