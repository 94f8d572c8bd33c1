import type { Thread } from "../protocol/threads";

// The workspace records the canvas tests hand the Hatchery's projection: one place for the
// fields a test does not care about, so each names only what it is about.

/** Who made everything in these tests. */
export const actor = { id: "u1", kind: "user" as const, name: "Olga" };

/** A thread of the Autopilot's, made by `actor` at time 1, with no messages yet. */
export const threadRecord = (id: string, more: Partial<Thread> = {}): Thread => ({
  id,
  title: `Thread ${id}`,
  archived: false,
  createdBy: actor,
  createdAt: 1,
  updatedAt: 1,
  lastMessageAt: null,
  messageCount: 0,
  responder: { kind: "autopilot", reply: "every", agents: false },
  ...more,
});
