// What the room keeps of the inbox it sent (decision 93): a change worked out from the digest is
// the change worked out from the inbox itself, whatever changed, so a client applying it gets
// the room's inbox; and the digest is a fraction of the inbox it stands for.
import { describe, expect, it } from "vitest";
import {
  DEFAULT_INBOX_PREFERENCES,
  type Inbox,
  type InboxItem,
  inboxChange,
  inboxOrder,
  MAX_INBOX_ITEMS,
  withInboxChange,
} from "../../../../../shared/protocol/inbox";
import { seeded } from "../../../../../shared/test/seeded";
import { changeSince, digestOf, SentDigest, sameDigest } from "./sent";

const item = (n: number, at: number, read: boolean, detail: string): InboxItem => ({
  key: `reply:msg_${n}`,
  kind: "reply",
  at,
  title: `A reply ${n}`,
  detail,
  target: { kind: "thread", threadId: `thr_${n % 7}`, messageId: `msg_${n}` },
  read,
});

/** A random inbox: items from a small pool (so two inboxes share some), their fields varied. */
function randomInbox(rnd: () => number): Inbox {
  const pick = (n: number) => Math.floor(rnd() * n);
  const items = new Map<number, InboxItem>();
  for (let i = pick(30); i > 0; i--) {
    const n = pick(40);
    items.set(n, item(n, pick(5), rnd() < 0.5, `Autopilot: ${"x".repeat(pick(3))}`));
  }
  const following = [...new Set(Array.from({ length: pick(6) }, () => `thr_${pick(8)}`))];
  const list = [...items.values()].sort(inboxOrder).slice(0, MAX_INBOX_ITEMS);
  return {
    items: list,
    unread: list.filter((i) => !i.read).length,
    preferences: rnd() < 0.8 ? DEFAULT_INBOX_PREFERENCES : { ...DEFAULT_INBOX_PREFERENCES, emailAfterMs: pick(3) },
    following,
    push: { publicKey: null, endpoints: rnd() < 0.8 ? [] : [`https://push.example/${pick(2)}`] },
  };
}

describe("the digest of an inbox sent", () => {
  it("gives the change the inbox itself gives, for any two inboxes", () => {
    const rnd = seeded(93);
    for (let run = 0; run < 500; run++) {
      const before = randomInbox(rnd);
      const after = rnd() < 0.2 ? structuredClone(before) : randomInbox(rnd);
      const digest = SentDigest.parse(JSON.parse(JSON.stringify(digestOf(before))));
      const change = changeSince(digest, after);
      expect(change).toEqual(inboxChange(before, after));
      // The room lists followed threads newest first, so new ones lead; these are in any order.
      const bySet = (inbox: Inbox) => ({ ...inbox, following: [...inbox.following].sort() });
      if (change) expect(bySet(withInboxChange(before, change))).toEqual(bySet(after));
    }
  });

  it("tells an inbox whose followed threads only moved from the same one, though no change says so", () => {
    const before = randomInbox(seeded(7));
    const moved = { ...before, following: ["thr_a", "thr_b"] };
    const back = { ...before, following: ["thr_b", "thr_a"] };
    expect(changeSince(digestOf(moved), back)).toBeNull();
    expect(sameDigest(digestOf(moved), digestOf(back))).toBe(false);
    expect(sameDigest(digestOf(moved), digestOf(structuredClone(moved)))).toBe(true);
  });

  it("is a fraction of the inbox it stands for", () => {
    const items = Array.from({ length: MAX_INBOX_ITEMS }, (_, n) =>
      item(n, n, false, `Autopilot: ${"a reply's opening ".repeat(10)}`),
    );
    const inbox: Inbox = {
      items: items.sort(inboxOrder),
      unread: MAX_INBOX_ITEMS,
      preferences: DEFAULT_INBOX_PREFERENCES,
      following: ["thr_1", "thr_2"],
      push: { publicKey: null, endpoints: [] },
    };
    expect(JSON.stringify(digestOf(inbox)).length).toBeLessThan(JSON.stringify(inbox).length / 5);
  });
});
