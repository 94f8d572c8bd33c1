import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { count as countRows, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import type { EventFrame } from "../../../../../../shared/protocol/frames";
import type { Thread } from "../../../../../../shared/protocol/threads";
import { agentRuns } from "../tables";
import { sqlFromStorage } from "../../../../../domain/sql";
import { createKey, idem, inAutopilot, provisioned, RawSocket, uniq } from "../../../../../test/harness";
import { queuedFor } from "../../instance-store/index";
import { agentRoom, autopilotMessages, autopilotSays, requestMark, requestsFor, say } from "./test/harness";

// Agents' posts (API keys) do not start the Autopilot's turns unless the thread lets them:
// a CI bot's "build is green" costs no model call. A post that starts a turn queues its
// run while the room handles the post, before the answer goes out, so the run rows right
// after `chat.send` answers say whether it did; no waiting for something not to happen.
// In a thread an OpenClaw instance answers, a person's @autopilot is the Autopilot's
// (decision 75): it starts a turn and is not queued for the gateway, in the same transaction
// as the post, so the outbox right after the answer says that too.

/** The Autopilot's runs in a thread, finished or not. */
function runsIn(workspaceId: string, threadId: string): Promise<number> {
  const rooms = (env as unknown as { Autopilot: DurableObjectNamespace }).Autopilot;
  return runInDurableObject(
    rooms.get(rooms.idFromName(workspaceId)),
    (_room, state) =>
      sqlFromStorage(state.storage)
        .db.select({ n: countRows() })
        .from(agentRuns)
        .where(eq(agentRuns.threadId, threadId))
        .get()?.n ?? 0,
  );
}

/** The owner's workspace with the owner and an agent key (read + write) connected. */
async function withAgent() {
  const room = await agentRoom();
  const { key } = await createKey(room.owner, room.owner.workspaceId);
  const bot = await RawSocket.open(room.owner.workspaceId, { key });
  const hello = await bot.hello();
  expect(hello.principal.kind).toBe("agent");
  return { ...room, bot };
}

describe("agents' posts and the Autopilot", () => {
  it("an agent's thread: the Autopilot answers only a person's @autopilot; the agent's posts, even naming it, start no run and no model call", async () => {
    const { owner, sock, bot } = await withAgent();
    const marker = uniq("CIBOT");
    const { thread } = await bot.ok("threads.create", { title: `Build ${marker}`, idempotencyKey: idem() });
    expect(thread.responder).toEqual({ kind: "autopilot", reply: "mention", agents: false });
    const mark = await requestMark();

    await say(bot, thread.id, `SAY: Build is green ${marker}`);
    await say(bot, thread.id, `@autopilot SAY: summarise ${marker}`);
    expect(await runsIn(owner.workspaceId, thread.id)).toBe(0);

    // A person writing without naming it gets no answer either ("mention")...
    await say(sock, thread.id, "SAY: looks good to me");
    expect(await runsIn(owner.workspaceId, thread.id)).toBe(0);
    // ...and with @autopilot does.
    await say(sock, thread.id, "@autopilot SAY: person asks");
    const answer = await autopilotSays(sock, thread.id, (m) => m.text === "person asks");
    expect(answer.kind).toBeUndefined();
    expect(await runsIn(owner.workspaceId, thread.id)).toBe(1);
    // One model call carried the agent's posts: the person's turn, which reads the history.
    expect(await requestsFor(mark, marker)).toHaveLength(1);
    const usage = await sock.ok("usage.list", { threadId: thread.id });
    expect(usage.entries!.map((e) => [e.purpose, e.principalId])).toEqual([["reply", owner.userId]]);
    sock.close();
    bot.close();
  });

  it("a person's thread ignores agents' posts until it is set to answer them; then it does", async () => {
    const { owner, sock, thread, bot } = await withAgent();
    expect(thread.responder).toEqual({ kind: "autopilot", reply: "every", agents: false });
    await say(bot, thread.id, "SAY: deploy finished");
    expect(await runsIn(owner.workspaceId, thread.id)).toBe(0);

    const { thread: configured } = await sock.ok("threads.configure", {
      threadId: thread.id,
      agents: true,
      idempotencyKey: idem(),
    });
    expect(configured.responder).toEqual({ kind: "autopilot", reply: "every", agents: true });
    await say(bot, thread.id, "SAY: now answered");
    await autopilotSays(bot, thread.id, (m) => m.text === "now answered");
    expect(await runsIn(owner.workspaceId, thread.id)).toBe(1);
    // Only that post was answered: the earlier one started nothing.
    expect(autopilotMessages(bot, thread.id).map((m) => m.text)).toEqual(["now answered"]);
    sock.close();
    bot.close();
  });

  it("an agent that asks for the Autopilot when it creates a thread gets answered", async () => {
    const { owner, sock, bot } = await withAgent();
    const { thread } = await bot.ok("threads.create", { title: "Ask", responder: "autopilot", idempotencyKey: idem() });
    expect(thread.responder).toEqual({ kind: "autopilot", reply: "every", agents: true });
    await say(bot, thread.id, "SAY: at your service");
    await autopilotSays(bot, thread.id, (m) => m.text === "at your service");
    expect(await runsIn(owner.workspaceId, thread.id)).toBe(1);
    // And can say exactly what it wants: a thread that answers people only.
    const { thread: quiet } = await bot.ok("threads.create", {
      title: "Quiet",
      responder: "autopilot",
      agents: false,
      idempotencyKey: idem(),
    });
    expect(quiet.responder).toEqual({ kind: "autopilot", reply: "every", agents: false });
    // OpenClaw answers only a thread attached to an instance.
    expect(
      await bot.call("threads.create", { title: "No", responder: "openclaw", idempotencyKey: idem() }),
    ).toMatchObject({ ok: false, error: { code: "conflict" } });
    sock.close();
    bot.close();
  });

  it("an OpenClaw thread: a person's @autopilot starts a turn and is kept from the gateway; an agent's, and posts not naming it, go to the gateway", async () => {
    const { owner, sock, bot } = await withAgent();
    const instanceId = uniq("claw").toLowerCase().slice(0, 40);
    await provisioned(sock, instanceId);
    const { thread } = await sock.ok("threads.create", { title: uniq("claw thread"), idempotencyKey: idem() });
    // Attaching makes the instance the thread's responder.
    await sock.ok("instances.attach", { instanceId, threadId: thread.id, idempotencyKey: idem() });
    const queued = () => inAutopilot(owner.workspaceId, (sql) => queuedFor(sql, instanceId).map((o) => o.text));

    await say(sock, thread.id, "SAY: for the gateway's agent");
    await say(bot, thread.id, "@autopilot SAY: an agent asks");
    expect(await runsIn(owner.workspaceId, thread.id)).toBe(0);
    expect(await queued()).toEqual(["SAY: for the gateway's agent", "@autopilot SAY: an agent asks"]);

    const ask = "@autopilot SAY: proposed in the OpenClaw thread";
    await say(sock, thread.id, ask);
    expect(await runsIn(owner.workspaceId, thread.id)).toBe(1);
    expect(await queued()).not.toContain(ask);
    const answer = await autopilotSays(sock, thread.id, (m) => m.text === "proposed in the OpenClaw thread");
    expect(answer.kind).toBeUndefined();
    expect(await queued()).toHaveLength(2);
    // agent.toolset says the same to each: a person is answered when naming it, an agent is not.
    expect((await sock.ok("agent.toolset", { threadId: thread.id })).replies).toEqual({
      answers: true,
      why: `${instanceId} answers here; the Autopilot answers a message that names @autopilot (it is not sent to ${instanceId}).`,
    });
    expect((await bot.ok("agent.toolset", { threadId: thread.id })).replies.answers).toBe(false);
    sock.close();
    bot.close();
  });

  it("a thread the Autopilot creates with its tool, for a person, gets a person's defaults", async () => {
    const { sock, thread } = await agentRoom();
    const title = uniq("Made for you ");
    await say(sock, thread.id, `STEPS: threads_create {"title":"${title}"}`);
    const created = await sock.waitFor<EventFrame>(
      (f) =>
        f.type === "event" && f.event === "thread.created" && (f.payload as { thread: Thread }).thread.title === title,
      20_000,
    );
    const made = (created.payload as { thread: Thread }).thread;
    expect(made.createdBy.id).toBe("autopilot");
    expect(made.responder).toEqual({ kind: "autopilot", reply: "every", agents: false });
    sock.close();
  });
});
