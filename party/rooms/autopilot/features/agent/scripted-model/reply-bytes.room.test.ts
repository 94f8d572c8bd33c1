// What a client viewing a thread receives per streamed delta of the Autopilot's reply (issue 74: at
// most 2x the bytes of plain `streamText` sending each delta on a socket; decision 86), counted per
// frame type over replies of 100 deltas each in a fresh thread (as the bench's assistant runs them),
// for a client that asks for every capability (the app, the client library) and for one that asks
// for none (an older build), which gets every frame as it always did.
import { describe, expect, it } from "vitest";
import { offeredCapabilities } from "../../../../../../shared/protocol/capabilities";
import type { Message } from "../../../../../../shared/protocol/threads";
import { isStreamedText, type StreamedText, streamedHash } from "../../../../../../shared/protocol/streamed";
import { type Inbox, type InboxChange, isInboxChange, withInboxChange } from "../../../../../../shared/protocol/inbox";
import { PROTOCOL_VERSION } from "../../../../../../shared/protocol/version";
import { idem, RawSocket, uniq } from "../../../../../test/harness";
import { type FrameCounts, countFrames, countsLine, totalBytes } from "./test/frame-counts";
import { agentRoom, autopilotSays, say } from "./test/harness";

const REPLIES = 4;
const PIECES = 100;
/** Bytes of a delta frame beyond its text, on average, to a socket that asked for every capability (a ceiling: whole frames are above it). */
const ENVELOPE_CEILING = 130;
/** Bytes a reply sends such a socket besides its deltas and the frames a window times (a ceiling). */
const PER_REPLY_CEILING = 2_200;

const DELTAS = REPLIES * PIECES;

type Delta = { runId: string; offset: number; text: string; threadId?: string; instanceId?: string | null };
const deltasOf = (sock: RawSocket, runId: string): Delta[] =>
  sock
    .events("chat.delta")
    .map((f) => f.payload as Delta)
    .filter((d) => d.runId === runId);
const joined = (deltas: Delta[]) => deltas.reduce((text, d) => text.slice(0, d.offset) + d.text, "");
const total = totalBytes;
const table = (byType: FrameCounts) => countsLine(byType, DELTAS, "delta", 1);

describe("what a viewer of a thread receives per streamed delta of a reply", () => {
  it("per delta: the later pieces name only their run, the reply only its text's length and hash, the inbox what changed, to a socket that asked; the whole to one that did not", async () => {
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
    const live: (Message & { streamed?: StreamedText })[] = [];
    counting.on = true;
    for (const thread of threads) {
      await viewer.ok("threads.view", { threads: [thread.id] });
      await older.ok("threads.view", { threads: [thread.id] });
      await say(sock, thread.id, `#r${thread.id} STREAM: ${PIECES}x10`);
      live.push(await autopilotSays(viewer, thread.id, (m) => m.runId !== undefined, 60_000));
      replies.push(await autopilotSays(older, thread.id, (m) => m.runId !== undefined, 30_000));
    }
    counting.on = false;
    expect(replies.every((m) => m.text.length === PIECES * 8)).toBe(true);
    const said = `viewer: ${(total(counted) / DELTAS).toFixed(1)} B/delta: ${table(counted)}; a socket that asked for nothing: ${(total(olderCounted) / DELTAS).toFixed(1)} B/delta: ${table(olderCounted)}`;
    console.log(said);

    // chat.deltas: a run's opening pieces (offset 0) are whole, the later ones name only the run; put together
    // in order they are the reply, once. A socket that did not ask gets every piece whole.
    for (const reply of replies) {
      const pieces = deltasOf(viewer, reply.runId ?? "");
      expect(pieces[0]).toMatchObject({ threadId: reply.threadId, instanceId: null, offset: 0 });
      const later = pieces.filter((d) => d.offset > 0);
      expect(later.length).toBeGreaterThan(0);
      expect(later.every((d) => !("threadId" in d) && !("instanceId" in d))).toBe(true);
      expect(pieces.filter((d) => d.offset === 0).every((d) => d.threadId === reply.threadId)).toBe(true);
      expect(joined(pieces)).toBe(reply.text);
      const whole = deltasOf(older, reply.runId ?? "");
      expect(whole.every((d) => "threadId" in d && d.threadId === reply.threadId)).toBe(true);
      expect(joined(whole)).toBe(reply.text);
    }

    // reply.streamed: the reply's message comes without the text its pieces brought, with its
    // length and hash, which the pieces put together match; a socket that did not ask gets the text.
    for (const [i, reply] of replies.entries()) {
      const { streamed, ...rest } = live[i] ?? ({} as Message & { streamed?: StreamedText });
      expect(rest).toEqual({ ...reply, text: "" });
      expect(streamed).toEqual({ chars: reply.text.length, hash: streamedHash(reply.text) });
      const said = streamed ?? { chars: 0, hash: "00000000" };
      expect(isStreamedText(joined(deltasOf(viewer, reply.runId ?? "")), said)).toBe(true);
      expect(isStreamedText(`${reply.text.slice(0, -1)}x`, said)).toBe(false);
    }

    // inbox.changes: after a whole inbox, the changes; applied in order they give the room's inbox
    // (once the last reply's item came: the room sends the inbox once per window).
    const lastKey = `reply:${replies.at(-1)?.id}`;
    const hasLast = (inbox: Inbox | InboxChange) =>
      (isInboxChange(inbox) ? inbox.changed : inbox.items).some((i) => i.key === lastKey);
    await viewer.waitForEvent<{ inbox: Inbox | InboxChange }>("inbox.updated", (p) => hasLast(p.inbox), 10_000);
    await older.waitForEvent<{ inbox: Inbox | InboxChange }>("inbox.updated", (p) => hasLast(p.inbox), 10_000);
    const inboxes = viewer.events("inbox.updated").map((f) => (f.payload as { inbox: Inbox | InboxChange }).inbox);
    const lastWhole = inboxes.findLastIndex((i) => !isInboxChange(i));
    expect(inboxes.length - lastWhole).toBeGreaterThan(REPLIES - 1);
    let held = inboxes[lastWhole] as Inbox;
    for (const change of inboxes.slice(lastWhole + 1)) if (isInboxChange(change)) held = withInboxChange(held, change);
    expect(held).toEqual((await viewer.ok("inbox.get", {})).inbox);
    const olderInboxes = older.events("inbox.updated").map((f) => (f.payload as { inbox: Inbox | InboxChange }).inbox);
    expect(olderInboxes.every((i) => !isInboxChange(i))).toBe(true);
    expect(olderInboxes.at(-1)).toEqual(held);

    // Bytes: a delta frame's envelope (the frames' count depends on the machine's speed: the
    // room sends at most one per 50 ms window), and what a reply sends besides its deltas and
    // the frames a window times (the money's state, the traces', other threads' bumps, presence).
    const delta = counted.get("chat.delta") ?? { frames: 0, bytes: 0 };
    const envelope = (delta.bytes - DELTAS * 8) / delta.frames;
    const timed = new Set([
      "chat.delta",
      "billing.changed",
      "traces.changed",
      "thread.bump",
      "presence.summary",
      "presence.own",
    ]);
    const perReply = total(new Map([...counted].filter(([k]) => !timed.has(k)))) / REPLIES;
    expect(envelope, said).toBeLessThanOrEqual(ENVELOPE_CEILING);
    expect(perReply, said).toBeLessThanOrEqual(PER_REPLY_CEILING);
    console.log(`a delta frame's envelope: ${envelope.toFixed(0)} B; per reply besides: ${perReply.toFixed(0)} B`);
    viewer.close();
    older.close();
  });
});
