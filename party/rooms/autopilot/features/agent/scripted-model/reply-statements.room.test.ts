// How many SQL statements the Autopilot's reply runs (issue 74: a streamed delta's CPU beyond the
// plain model call's is mostly the reply's own work, and that is mostly storage), counted in the
// room's own storage over four replies of 100 pieces, each in a fresh thread, as the bench's
// assistant runs them. The whole count is printed, by statement, for the next cut (the windows of
// the inbox and the money, and the Hatchery's pulls, move with the machine's load).
import { describe, expect, it } from "vitest";
import type { Inbox, InboxChange } from "../../../../../../shared/protocol/inbox";
import { isInboxChange } from "../../../../../../shared/protocol/inbox";
import { idem, uniq } from "../../../../../test/harness";
import { agentRoom, autopilotSays, say } from "./test/harness";
import { countedStatements, countStatements } from "./test/statement-count";

const REPLIES = 4;
const PIECES = 100;

describe("the statements of a reply", () => {
  it("are counted per reply, by statement", async () => {
    const { owner, sock } = await agentRoom();
    const threads = [];
    for (let i = 0; i < REPLIES; i++)
      threads.push((await sock.ok("threads.create", { title: uniq("statements"), idempotencyKey: idem() })).thread);
    await countStatements(owner.workspaceId);
    let last = "";
    for (const thread of threads) {
      await say(sock, thread.id, `#s${thread.id} STREAM: ${PIECES}x10`);
      last = (await autopilotSays(sock, thread.id, (m) => m.runId !== undefined, 60_000)).id;
    }
    // The last reply's item reached the inbox: the reply's own work is done.
    const hasLast = (inbox: Inbox | InboxChange) =>
      (isInboxChange(inbox) ? inbox.changed : inbox.items).some((i) => i.key === `reply:${last}`);
    await sock.waitForEvent<{ inbox: Inbox | InboxChange }>("inbox.updated", (p) => hasLast(p.inbox), 10_000);
    const counted = await countedStatements(owner.workspaceId);
    const total = counted.reduce((n, [, c]) => n + c, 0);
    const said = `${(total / REPLIES).toFixed(1)} statements per reply:\n${counted.map(([q, n]) => `${(n / REPLIES).toFixed(2)}  ${q}`).join("\n")}`;
    console.log(said);
    const perReply = (start: string) =>
      counted.filter(([q]) => q.startsWith(start)).reduce((n, [, c]) => n + c, 0) / REPLIES;
    // The printed count is the figure; the bound leaves room for the windows, which move it by
    // several with the load.
    expect(total / REPLIES, said).toBeLessThanOrEqual(115);
    // The run is read by id at its end and by its trace, not per piece.
    expect(
      perReply('select "id", "thread_id", "trigger_message_id", "status", "segment", "doc" from "agent_runs"'),
      said,
    ).toBeLessThanOrEqual(10);
    // The Hatchery pulls at most twice a reply (link.ts: once when the poke waits for the reply's end).
    expect(perReply('select min("seq") from "events"'), said).toBeLessThanOrEqual(2);
  });
});
