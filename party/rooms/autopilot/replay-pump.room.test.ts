// The replay pump against a room that never stops writing (a reconnect storm with a busy
// writer): a replay must end once it has read to the log's end, not wait for a read that
// finds nothing new, or every live frame held for the socket (presence diffs, its own
// responses) waits until the writes stop (a storm then delivers no presence.diff at all).
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { appendEvent } from "./kernel/commit";
import { sqlFromStorage } from "../../domain/sql";
import type { Autopilot } from "./room";
import { ReplayPages } from "./kernel/connections/replay-pages";
import { ReplayPump } from "./kernel/fanout";
import { uniq } from "../../test/harness";

const rooms = (env as unknown as { Autopilot: DurableObjectNamespace<Autopilot> }).Autopilot;
const by = { id: "user_1", kind: "user", name: "A" } as const;

describe("replay pump", () => {
  it("catches up while a writer keeps writing: held frames go out after the first page that reaches the log's end, in order", async () => {
    await runInDurableObject(rooms.get(rooms.idFromName(uniq("ws_pump_"))), async (_room: Autopilot, state) => {
      const sql = sqlFromStorage(state.storage);
      const write = (i: number) => appendEvent(sql, "memory.deleted", { key: `k${i}`, by }, 1, 10_000);
      for (let i = 0; i < 25; i++) write(i);
      const received: string[] = [];
      const socket = { id: "c1", readyState: WebSocket.OPEN, send: (text: string) => received.push(text) };
      let written = 25;
      let pauses = 0;
      const pump = new ReplayPump({
        sql,
        reset: () => 0,
        overflow: () => {},
        page: { events: 10, bytes: 64 * 1024 },
        // Between pages the writer writes and its event is broadcast (held for the socket),
        // for as long as the test lets it (the old pump ended only after it stopped).
        pause: async () => {
          pauses++;
          if (pauses > 50) return;
          const e = write(written++);
          pump.holdBroadcast(JSON.stringify({ type: "event", event: e.event, payload: e.payload, seq: e.seq }), e.seq);
          pump.send(
            socket,
            JSON.stringify({ type: "event", event: "presence.diff", payload: { upserted: [], left: [] } }),
          );
        },
      });
      await pump.start(socket, 0);
      // Three pages of 10 reach the end of a log that grows by one per page (25 → 28).
      expect(pauses).toBeLessThanOrEqual(3);
      expect(pump.size).toBe(0);
      const frames = received.map((t) => JSON.parse(t) as { event: string; seq?: number });
      const seqs = frames.flatMap((f) => (f.seq === undefined ? [] : [f.seq]));
      expect(seqs).toEqual(Array.from({ length: written }, (_, i) => i + 1));
      expect(frames.filter((f) => f.event === "presence.diff")).toHaveLength(pauses);
      // Caught up: the next frame goes straight out.
      pump.send(socket, "live");
      expect(received.at(-1)).toBe("live");
    });
  });
});

describe("replay pages", () => {
  const event = (seq: number) => ({ seq, event: "memory.deleted", payload: { key: `k${seq}`, by } }) as const;

  it("sockets resuming from one place share one read while the log ends where it did; an append or another place reads again", () => {
    const reads: number[] = [];
    const pages = new ReplayPages((after) => {
      reads.push(after);
      return { events: [event(after + 1), event(after + 2)], unreadable: false, last: after + 2 };
    });
    const first = pages.get(10, 12);
    expect(first).toMatchObject({ unreadable: false, last: 12 });
    expect(first.texts.map((t) => JSON.parse(t) as { type: string; event: string; seq: number })).toEqual(
      [11, 12].map((seq) => ({ type: "event", ...event(seq) })),
    );
    for (let i = 0; i < 200; i++) expect(pages.get(10, 12)).toBe(first);
    expect(reads).toEqual([10]);
    // The writer appended: the page after 10 may hold more now.
    pages.get(10, 13);
    expect(reads).toEqual([10, 10]);
    // Four places are kept; a fifth pushes out the one read longest ago.
    for (const after of [20, 30, 40, 50]) pages.get(after, 13);
    pages.get(10, 13);
    expect(reads).toEqual([10, 10, 20, 30, 40, 50, 10]);
  });
});
