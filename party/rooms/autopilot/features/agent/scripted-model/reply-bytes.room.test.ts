// What a client viewing a thread receives per streamed delta of the Autopilot's reply (issue 74: at
// most 2x the bytes of plain `streamText` sending each delta on a socket; decision 86), counted per
// frame type over replies of 100 deltas each in a fresh thread (as the bench's assistant runs them),
// for a client that asks for every capability (the app, the client library) and for one that asks
// for none (an older build), which gets every frame as it always did.
import { describe, expect, it } from "vitest";
import { offeredCapabilities } from "../../../../../../shared/protocol/capabilities";
import type { EventFrame } from "../../../../../../shared/protocol/frames";
import type { Message } from "../../../../../../shared/protocol/threads";
import { PROTOCOL_VERSION } from "../../../../../../shared/protocol/version";
import { idem, RawSocket, uniq } from "../../../../../test/harness";
import { agentRoom, autopilotSays, say } from "./test/harness";

const REPLIES = 4;
const PIECES = 100;

type Counts = Map<string, { frames: number; bytes: number }>;

/** Bytes and frames per frame type a socket receives while `counting.on`. */
function countFrames(sock: RawSocket, counting: { on: boolean }): Counts {
  const byType: Counts = new Map();
  sock.ws.addEventListener("message", (e) => {
    if (!counting.on) return;
    const text = e.data as string;
    const frame = JSON.parse(text) as EventFrame;
    const key = frame.type === "event" ? frame.event : frame.type;
    const row = byType.get(key) ?? { frames: 0, bytes: 0 };
    row.frames++;
    row.bytes += text.length;
    byType.set(key, row);
  });
  return byType;
}

const DELTAS = REPLIES * PIECES;
const total = (byType: Counts) => [...byType.values()].reduce((sum, r) => sum + r.bytes, 0);
const table = (byType: Counts) =>
  [...byType.entries()]
    .sort((a, b) => b[1].bytes - a[1].bytes)
    .map(([k, r]) => `${k}: ${r.frames} frames, ${(r.bytes / DELTAS).toFixed(1)} B/delta`)
    .join("; ");

describe("what a viewer of a thread receives per streamed delta of a reply", () => {
  it("counts it per frame type", async () => {
    const { owner, sock } = await agentRoom();
    const caps = offeredCapabilities(PROTOCOL_VERSION).join(",");
    const viewer = await RawSocket.open(owner.workspaceId, { cookie: owner.cookie }, { view: "", caps });
    const older = await RawSocket.open(owner.workspaceId, { cookie: owner.cookie }, { view: "" });
    await viewer.hello();
    await older.hello();
    const counting = { on: false };
    const counted = countFrames(viewer, counting);
    const olderCounted = countFrames(older, counting);
    // The threads are made first, as the bench makes them: a reply's bytes, not a thread's creation.
    const threads = [];
    for (let i = 0; i < REPLIES; i++)
      threads.push((await sock.ok("threads.create", { title: uniq("bytes"), idempotencyKey: idem() })).thread);
    const replies: Message[] = [];
    counting.on = true;
    for (const thread of threads) {
      await viewer.ok("threads.view", { threads: [thread.id] });
      await older.ok("threads.view", { threads: [thread.id] });
      await say(sock, thread.id, `#r${thread.id} STREAM: ${PIECES}x10`);
      const reply = await autopilotSays(viewer, thread.id, (m) => m.runId !== undefined, 60_000);
      await autopilotSays(older, thread.id, (m) => m.runId !== undefined, 30_000);
      replies.push(reply);
    }
    counting.on = false;
    expect(replies.every((m) => m.text.length === PIECES * 8)).toBe(true);
    console.log(`viewer: ${(total(counted) / DELTAS).toFixed(1)} B/delta: ${table(counted)}`);
    console.log(`older: ${(total(olderCounted) / DELTAS).toFixed(1)} B/delta: ${table(olderCounted)}`);
    const seen = new Set<string>();
    for (const f of viewer.frames) {
      const k = f.type === "event" ? (f as EventFrame).event : f.type;
      if (
        k !== "inbox.updated" &&
        (k === "chat.delta" ? (f as EventFrame & { payload: { offset: number } }).payload.offset < 100 : seen.has(k))
      )
        continue;
      seen.add(k);
      console.log(JSON.stringify(f).slice(0, 1500));
    }
    viewer.close();
    older.close();
  });
});
