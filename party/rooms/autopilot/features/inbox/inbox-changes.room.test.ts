// Capability inbox.changes across the room's hibernation (decision 93): what the room last sent a
// person's sockets is kept in its storage, so after it wakes a socket that holds that inbox still
// gets only what changed, and a socket greeted since gets the whole.
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
  it("a socket that holds the inbox gets only what changed after the room woke; one greeted since gets the whole", async () => {
    const { ws, ownerSocket, secondSocket, second } = await openTeam("member");
    const taker = await RawSocket.open(ws, { cookie: second.cookie }, { caps });
    await taker.hello();
    await taker.waitForEvent("inbox.updated", () => true);
    const mention = async (text: string) => {
      const since = inboxesOf(taker).length;
      await ownerSocket.ok("chat.send", { threadId, text: `@${second.name} ${text}`, idempotencyKey: idem() });
      return carrying(taker, `@${second.name} ${text}`, since);
    };
    const { thread } = await ownerSocket.ok("threads.create", { title: "Across a wake", idempotencyKey: idem() });
    const threadId = thread.id;
    // A socket greeted is sent the whole inbox on the next change, then only what changed.
    expect(isInboxChange(await mention("one"))).toBe(false);
    expect(isInboxChange(await mention("two"))).toBe(true);

    // The room hibernates with the socket open: what it last sent it is not in memory any more.
    await evictDurableObject(autopilotStub(ws));
    const after = await mention("three");
    expect(isInboxChange(after), JSON.stringify(after)).toBe(true);
    expect(itemsOf(after)).toHaveLength(1);
    expect(held(taker)).toEqual((await taker.ok("inbox.get", {})).inbox);

    // A tab opened after the wake holds only its greeting: the next change reaches it whole, the other as a change.
    await evictDurableObject(autopilotStub(ws));
    const late = await RawSocket.open(ws, { cookie: second.cookie }, { caps });
    await late.hello();
    await late.waitForEvent("inbox.updated", () => true);
    const since = inboxesOf(late).length;
    const four = await mention("four");
    expect(isInboxChange(four)).toBe(true);
    expect(isInboxChange(await carrying(late, `@${second.name} four`, since))).toBe(false);
    const now = (await taker.ok("inbox.get", {})).inbox;
    expect(held(taker)).toEqual(now);
    expect(held(late)).toEqual(now);
    expect(await sentRows(ws, second.userId)).toBe(1);

    // Once the person has no socket open, the next change to their inbox forgets what was sent them.
    for (const sock of [taker, late, secondSocket]) sock.close();
    await expect
      .poll(
        async () => {
          await ownerSocket.ok("chat.send", { threadId, text: `@${second.name} gone?`, idempotencyKey: idem() });
          return sentRows(ws, second.userId);
        },
        { timeout: 10_000, interval: 500 },
      )
      .toBe(0);
  });
});
