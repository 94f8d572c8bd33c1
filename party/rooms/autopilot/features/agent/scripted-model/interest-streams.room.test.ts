import { describe, expect, it } from "vitest";
import type { EventFrame } from "../../../../../../shared/protocol/frames";
import type { ChatDeltaPayload } from "../../../../../../shared/protocol/gateway";
import type { ThreadBump, ThreadBumpPayload } from "../../../../../../shared/protocol/interest";
import type { z } from "zod";
import { type Frame, idem, RawSocket } from "../../../../../test/harness";
import { agentRoom, autopilotSays, say } from "./test/harness";

// Delivery by interest for streams (protocol 18): a socket that does not view a thread hears
// that a reply runs there (a bump), not its text; viewing it mid-reply brings the text so far
// and the rest follows without a gap.

const SLOW_TEXT = `${Array.from({ length: 40 }, (_, i) => `word${i}`).join(" ")} END.`;
type Delta = z.infer<typeof ChatDeltaPayload>;

/** A thread.bump frame naming the thread in an entry that `pick` accepts; that entry. */
const entryOf = (f: Frame, threadId: string): ThreadBump | undefined =>
  f.type === "event" && f.event === "thread.bump"
    ? ((f as unknown as EventFrame).payload as ThreadBumpPayload).threads.find((b) => b.threadId === threadId)
    : undefined;
const bumpOf = (threadId: string, pick: (b: ThreadBump) => boolean) => (f: Frame) => {
  const entry = entryOf(f, threadId);
  return entry !== undefined && pick(entry);
};

describe("streams by interest", () => {
  it("a reply in a thread not viewed is a bump that it runs; viewing it mid-reply brings the text so far and every delta after", async () => {
    const { owner, sock, thread } = await agentRoom();
    const { thread: elsewhere } = await sock.ok("threads.create", { title: "Elsewhere", idempotencyKey: idem() });
    const open = (device: string) =>
      RawSocket.open(owner.workspaceId, { cookie: owner.cookie }, { device, view: elsewhere.id });
    const [joining, away] = [await open("joining"), await open("away")];
    await joining.hello();
    await away.hello();

    await say(sock, thread.id, "SLOW please");
    const running = await joining.waitFor<Frame>(
      bumpOf(thread.id, (b) => b.streams.length === 1),
      10_000,
    );
    const { runId } = entryOf(running, thread.id)!.streams[0]!;
    expect(joining.events("chat.delta")).toEqual([]);

    // It views the thread now: the answer carries the reply as streamed so far.
    const viewed = await joining.ok("threads.view", { threads: [thread.id] });
    const so = viewed.streams.find((s) => s.runId === runId);
    expect(so).toMatchObject({ threadId: thread.id, instanceId: null });
    expect(SLOW_TEXT.startsWith(so!.text)).toBe(true);

    const reply = await autopilotSays(joining, thread.id, (m) => m.runId === runId);
    expect(reply.text).toBe(SLOW_TEXT);
    // The answer's text and the deltas after it add up to the reply: nothing missed between them.
    const text = joining
      .events("chat.delta")
      .map((e) => e.payload as Delta)
      .filter((d) => d.runId === runId)
      .reduce((acc, d) => {
        expect(d.offset).toBeLessThanOrEqual(acc.length);
        return acc.slice(0, d.offset) + d.text;
      }, so!.text);
    expect(text).toBe(SLOW_TEXT);

    // The socket still away hears that the reply ended and the thread has two messages, never its text.
    await away.waitFor(
      bumpOf(thread.id, (b) => b.streams.length === 0 && b.messageCount === 2),
      10_000,
    );
    await away.ok("presence.update", { status: "away" });
    expect(away.events("chat.delta")).toEqual([]);
    expect(away.events("chat.final")).toEqual([]);
    expect(JSON.stringify(away.frames)).not.toContain("word39");
    for (const s of [sock, joining, away]) s.close();
  });
});
