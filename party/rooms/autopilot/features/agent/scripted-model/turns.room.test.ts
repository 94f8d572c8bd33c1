import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import type { Message } from "../../../../../../shared/protocol/threads";
import { TURNS_PER_MINUTE } from "../turn-limits";
import { and, count as countRows, eq, not, type SQL } from "drizzle-orm";
import { FINISHED_RUN } from "../agent-runs";
import { agentRuns } from "../tables";
import { sqlFromStorage } from "../../../../../domain/sql";
import type { RawSocket } from "../../../../../test/harness";
import { agentRoom, autopilotMessages, autopilotSays, requestMark, requestsFor, say } from "./test/harness";

const replies = (messages: Message[]) => messages.filter((m) => m.kind === undefined);

/**
 * Waits until every turn of the thread has ended, then returns how many it had. A post
 * that starts a turn queues it in the same transaction, so a turn no test post should
 * have caused would be counted here, or still running and waited for. The round trip
 * after it brings every event the room sent before (the replies, a notice) onto `sock`.
 */
async function turnsWhenIdle(sock: RawSocket, workspaceId: string, threadId: string): Promise<number> {
  const rooms = (env as unknown as { Autopilot: DurableObjectNamespace }).Autopilot;
  const count = (where?: SQL) =>
    runInDurableObject(
      rooms.get(rooms.idFromName(workspaceId)),
      (_room, state) =>
        sqlFromStorage(state.storage)
          .db.select({ n: countRows() })
          .from(agentRuns)
          .where(and(eq(agentRuns.threadId, threadId), where))
          .get()?.n ?? 0,
    );
  await vi.waitFor(async () => expect(await count(not(FINISHED_RUN)), "the thread's turns not yet ended").toBe(0), {
    timeout: 30_000,
    interval: 50,
  });
  await sock.ok("threads.list", {});
  return count();
}

describe("a flood of posts in one thread cannot start unbounded turns", () => {
  it("posts during a reply fold into one follow-up turn that sees all of them", async () => {
    const { owner, sock, thread } = await agentRoom();
    const mark = await requestMark();
    await say(sock, thread.id, "SLOW FLOODCASE");
    await sock.waitFor(
      (f) => f.type === "event" && f.event === "chat.delta" && (f.payload as { text: string }).text.length > 0,
      10_000,
    );
    for (let i = 0; i < 12; i++) await say(sock, thread.id, `FLOODCASE SAY: flood ${i}`);
    await autopilotSays(sock, thread.id, (m) => m.text === "flood 11", 30_000);
    // Two turns: the reply that was streaming, and one that answered the whole burst.
    expect(await turnsWhenIdle(sock, owner.workspaceId, thread.id)).toBe(2);
    expect(replies(autopilotMessages(sock, thread.id)).map((m) => m.text.slice(0, 6))).toEqual(["word0 ", "flood "]);
    const usage = await sock.ok("usage.list", { threadId: thread.id });
    expect(usage.entries!.filter((e) => e.purpose === "reply")).toHaveLength(2);
    const followUp = (await requestsFor(mark, "flood 11")).at(-1)!;
    for (let i = 0; i < 12; i++) expect(JSON.stringify(followUp.messages)).toContain(`FLOODCASE SAY: flood ${i}`);
    sock.close();
  });

  it(`at most ${TURNS_PER_MINUTE} turns a minute per thread; past that the thread is told once, and other threads still answer`, async () => {
    const { owner, sock, thread } = await agentRoom();
    for (let i = 0; i < TURNS_PER_MINUTE; i++) {
      await say(sock, thread.id, `SAY: turn ${i}`);
      await autopilotSays(sock, thread.id, (m) => m.text === `turn ${i}`);
    }
    await say(sock, thread.id, "SAY: one too many");
    const notice = await autopilotSays(sock, thread.id, (m) => m.kind === "error");
    expect(notice.text).toMatch(
      new RegExp(
        `^The Autopilot answers at most ${TURNS_PER_MINUTE} times a minute in one thread, so it did not answer that\\. Write again in \\d+ s\\.$`,
      ),
    );
    await say(sock, thread.id, "SAY: and another");
    // The notice is posted while the room handles the post, so it would precede this round
    // trip's response; a turn for the post would be counted or waited for.
    expect(await turnsWhenIdle(sock, owner.workspaceId, thread.id)).toBe(TURNS_PER_MINUTE);
    const mine = autopilotMessages(sock, thread.id);
    expect(mine.filter((m) => m.kind === "error")).toHaveLength(1);
    expect(replies(mine)).toHaveLength(TURNS_PER_MINUTE);
    const { thread: other } = await sock.ok("threads.create", { title: "Elsewhere", idempotencyKey: `k-${thread.id}` });
    await say(sock, other.id, "SAY: fine here");
    await autopilotSays(sock, other.id, (m) => m.text === "fine here");
    sock.close();
  });
});
