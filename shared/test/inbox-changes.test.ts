// Capability inbox.changes (decision 86): what the room sends as a change, applied to the inbox a
// client holds, gives the inbox the room derived, whatever changed in it.
import { describe, expect, it } from "vitest";
import {
  DEFAULT_INBOX_PREFERENCES,
  type Inbox,
  type InboxItem,
  InboxUpdatedPayload,
  inboxChange,
  inboxOrder,
  isInboxChange,
  MAX_INBOX_ITEMS,
  withInboxChange,
} from "../protocol/inbox";

const item = (n: number, at = n, read = false): InboxItem => ({
  key: `reply:msg_${n}`,
  kind: "reply",
  at,
  title: `A reply ${n}`,
  detail: "Autopilot: done",
  target: { kind: "thread", threadId: "thr_1", messageId: `msg_${n}` },
  read,
});

const inbox = (items: InboxItem[], following: string[] = ["thr_1"]): Inbox => ({
  items: [...items].sort(inboxOrder).slice(0, MAX_INBOX_ITEMS),
  unread: items.filter((i) => !i.read).length,
  preferences: DEFAULT_INBOX_PREFERENCES,
  following,
  push: { publicKey: null, endpoints: [] },
});

describe("inbox.changes", () => {
  it("a change applied to the inbox before gives the inbox after", () => {
    const before = inbox([item(1), item(2), item(3, 3)], ["thr_1", "thr_2"]);
    const cases: Inbox[] = [
      inbox([item(1), item(2), item(3, 3), item(4)], ["thr_3", "thr_1", "thr_2"]),
      inbox([item(1, 1, true), item(3, 3)], ["thr_2"]),
      inbox([item(5, 2), item(2), item(1)], ["thr_1", "thr_2"]),
      {
        ...before,
        preferences: { ...DEFAULT_INBOX_PREFERENCES, emailAfterMs: 0 },
        push: { publicKey: "k", endpoints: ["https://push.example/a"] },
      },
      inbox(Array.from({ length: MAX_INBOX_ITEMS + 5 }, (_, i) => item(i + 10))),
    ];
    for (const after of cases) {
      const change = inboxChange(before, after);
      expect(change).not.toBeNull();
      if (!change) continue;
      expect(InboxUpdatedPayload.parse({ inbox: change }).inbox).toEqual(change);
      expect(isInboxChange(change)).toBe(true);
      expect(withInboxChange(before, change)).toEqual(after);
    }
  });

  it("says only what changed, and nothing when nothing did", () => {
    const before = inbox(Array.from({ length: 40 }, (_, i) => item(i)));
    expect(inboxChange(before, inbox(Array.from({ length: 40 }, (_, i) => item(i))))).toBeNull();
    const after = inbox([...Array.from({ length: 40 }, (_, i) => item(i)), item(99)], ["thr_9", "thr_1"]);
    const change = inboxChange(before, after);
    expect(change).toEqual({ changed: [item(99)], removed: [], unread: 41, followed: ["thr_9"], unfollowed: [] });
    expect(JSON.stringify(change).length).toBeLessThan(JSON.stringify(after).length / 10);
  });

  it("items of the same time keep one order on both sides", () => {
    const before = inbox([item(1, 5), item(2, 5)]);
    const after = inbox([item(1, 5), item(2, 5), item(3, 5), item(0, 5)]);
    expect(withInboxChange(before, inboxChange(before, after) ?? (before as never))).toEqual(after);
  });
});
