// Capability inbox.changes across the room's hibernation (decision 93): what the room last sent a
// person's sockets is kept in its storage, so after it wakes a socket that holds that inbox still
// gets only what changed; a socket the room keeps nothing for gets the whole.
import { evictDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { type Inbox, type InboxChange, isInboxChange, withInboxChange } from "../../../../../shared/protocol/inbox";
import { offeredCapabilities } from "../../../../../shared/protocol/capabilities";
import { PROTOCOL_VERSION } from "../../../../../shared/protocol/version";
import { autopilotStub, idem, inAutopilot, openTeam, RawSocket } from "../../../../test/harness";

type Sent = Inbox | InboxChange;
const inboxesOf = (sock: RawSocket): Sent[] =>
  sock.events("inbox.updated").map((f) => (f.payload as { inbox: Sent }).inbox);
const itemsOf = (sent: Sent) => (isInboxChange(sent) ? sent.changed : sent.items);
/** The inbox.updated, from the `since`th on, that carries an item whose detail is `detail` (mentions fold: the newest shows). */
async function carrying(sock: RawSocket, detail: string, since: number): Promise<Sent> {
  const has = (sent: Sent) => itemsOf(sent).some((i) => i.detail === detail);
  await sock.waitFor(() => inboxesOf(sock).slice(since).some(has), 10_000);
  return inboxesOf(sock).slice(since).find(has) as Sent;
}
/** The inbox a socket holds: its last whole inbox with every later change applied. */
function held(sock: RawSocket): Inbox {
  const sent = inboxesOf(sock);
  const lastWhole = sent.findLastIndex((i) => !isInboxChange(i));
  let inbox = sent[lastWhole] as Inbox;
  for (const change of sent.slice(lastWhole + 1)) if (isInboxChange(change)) inbox = withInboxChange(inbox, change);
  return inbox;
}
const sentRows = (ws: string, principalId: string) =>
  inAutopilot(
    ws,
    (sql) => sql.one<{ n: number }>("SELECT count(*) AS n FROM inbox_sent WHERE principal_id = ?", principalId)?.n,
  );

// The app's sockets ask for every capability: only those get frames as the room writes them.
const caps = offeredCapabilities(PROTOCOL_VERSION).join(",");

describe("inbox.changes across the room's hibernation", () => {
  it("a socket that holds the inbox gets only what changed after the room woke, as does a tab greeted with it; without the kept row, the whole", async () => {
    const { ws, ownerSocket, secondSocket, second } = await openTeam("member");
    const open = async () => {
      const sock = await RawSocket.open(ws, { cookie: second.cookie }, { caps });
      await sock.hello();
      await sock.waitForEvent("inbox.updated", () => true);
      return sock;
    };
    const { thread } = await ownerSocket.ok("threads.create", { title: "Across a wake", idempotencyKey: idem() });
    /** A mention of the second person, and the inbox each of `socks` was sent with it. */
    const says = async (text: string, ...socks: RawSocket[]) => {
      const detail = `@${second.name} ${text}`;
      const since = socks.map((sock) => inboxesOf(sock).length);
      await ownerSocket.ok("chat.send", { threadId: thread.id, text: detail, idempotencyKey: idem() });
      return Promise.all(socks.map((sock, i) => carrying(sock, detail, since[i] ?? 0)));
    };
    const inboxNow = async (sock: RawSocket) => (await sock.ok("inbox.get", {})).inbox;
    const taker = await open();
    // Greeted with the whole inbox, and held: the next update is a change; a socket that asked for nothing gets the whole.
    const [one, whole] = await says("one", taker, secondSocket);
    expect(isInboxChange(one as Sent)).toBe(true);
    expect(isInboxChange(whole as Sent)).toBe(false);

    // The room hibernates with the socket open: what it last sent it is no longer in memory.
    await evictDurableObject(autopilotStub(ws));
    const [two] = await says("two", taker);
    expect(isInboxChange(two as Sent), JSON.stringify(two)).toBe(true);
    expect(itemsOf(two as Sent)).toHaveLength(1);
    expect(held(taker)).toEqual(await inboxNow(taker));

    // A tab greeted after the wake with the inbox the other was last sent counts among those that hold it.
    await evictDurableObject(autopilotStub(ws));
    const late = await open();
    const both = await says("three", taker, late);
    expect(both.map((sent) => isInboxChange(sent))).toEqual([true, true]);
    expect(held(taker)).toEqual(await inboxNow(taker));
    expect(held(late)).toEqual(await inboxNow(late));
    expect(await sentRows(ws, second.userId)).toBe(1);

    // A tab that reconnects holds its greeting too.
    taker.close();
    late.close();
    const again = await open();
    const [four] = await says("four", again);
    expect(isInboxChange(four as Sent)).toBe(true);
    expect(held(again)).toEqual(await inboxNow(again));

    // What the room knows of a socket after a wake is only the kept row: without it, the whole inbox.
    await evictDurableObject(autopilotStub(ws));
    await inAutopilot(ws, (sql) => sql.run("DELETE FROM inbox_sent"));
    const [five] = await says("five", again);
    expect(isInboxChange(five as Sent)).toBe(false);

    // Once the person has no socket open, the next change to their inbox forgets what was sent them.
    for (const sock of [again, secondSocket]) sock.close();
    await expect
      .poll(
        async () => {
          await ownerSocket.ok("chat.send", {
            threadId: thread.id,
            text: `@${second.name} gone?`,
            idempotencyKey: idem(),
          });
          return sentRows(ws, second.userId);
        },
        { timeout: 10_000, interval: 500 },
      )
      .toBe(0);
  });
});
