// A thread bound to a Slack channel, tried as an attacker would (docs/chats.md, "Conversations";
// docs/access.md, "In a bound chat"): a never-linked guest in the channel asking about another
// thread, a guest's words in a chat set to "linked people only", a guest's words while the
// thread's run waits on a person, and an agent's admin key trying to take the chats apart.
// The Autopilot runs on the scripted model (its script names the tools it calls); Slack is the
// scripted stand-in (slack-standin-setup.ts), and every call it received is checked.
import { describe, expect, it } from "vitest";
import { createKey, idem, RawSocket } from "../harness";
import { agentRoom, autopilotSays } from "./agent-harness";
import { bindChannel, connectSlack, inChannel, linkSlack, slackDown, slackSays, slackWaiting } from "./slack-harness";

describe("an agent's admin key and the workspace's chats", () => {
  it("cannot disconnect Slack nor unbind a thread: forbidden, and the connection, links, bindings and queued messages stay", async () => {
    const { owner, sock, thread } = await agentRoom();
    await connectSlack(sock);
    await linkSlack(sock, owner.workspaceId, "U0OWNER1");
    const channel = await bindChannel(sock, owner.workspaceId, thread.id, "U0OWNER1");
    // Slack is down: what the owner says in the app waits in the outbox.
    await slackDown(true);
    await sock.ok("chat.send", { threadId: thread.id, text: "SAY: queued while Slack is down", idempotencyKey: idem() });
    await autopilotSays(sock, thread.id, (m) => m.text === "queued while Slack is down");
    await expect.poll(() => slackWaiting(sock), { timeout: 20_000 }).toBeGreaterThanOrEqual(2);
    const before = (await sock.ok("chats.get", {})).chats;

    const { key } = await createKey(owner, owner.workspaceId, ["read", "write", "approve", "admin"], "intruder");
    const agent = await RawSocket.open(owner.workspaceId, { key });
    await agent.hello();
    const disconnect = await agent.call("chats.disconnect", { platform: "slack", idempotencyKey: idem() });
    expect(disconnect.ok).toBe(false);
    expect(!disconnect.ok && disconnect.error.code).toBe("forbidden");
    const unbind = await agent.call("chats.unbind", { threadId: thread.id, idempotencyKey: idem() });
    expect(unbind.ok).toBe(false);
    expect(!unbind.ok && unbind.error.code).toBe("forbidden");

    const after = (await sock.ok("chats.get", {})).chats;
    expect(after.connections.map((c) => [c.platform, c.waiting])).toEqual([["slack", before.connections[0]!.waiting]]);
    expect(after.links).toEqual(before.links);
    expect(after.bindings).toEqual(before.bindings);
    expect(after.bindings).toHaveLength(1);
    // Slack is back: what waited goes, the channel was not told it is unbound, and what is said there still reaches the thread.
    await slackDown(false);
    await expect.poll(() => inChannel(channel), { timeout: 20_000 }).toContain("queued while Slack is down");
    expect((await inChannel(channel)).some((t) => t.startsWith("This chat is no longer bound"))).toBe(false);
    await slackSays(owner.workspaceId, "U0OWNER1", channel, "SAY: still bound");
    await autopilotSays(sock, thread.id, (m) => m.text === "still bound");
    agent.close();
    sock.close();
  });
});
