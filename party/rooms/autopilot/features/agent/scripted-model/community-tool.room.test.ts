import { describe, expect, it } from "vitest";
import type { Approval } from "../../../../../../shared/protocol/approvals";
import type { CommunityEventPayload } from "../../../../../../shared/protocol/community";
import type { EventFrame } from "../../../../../../shared/protocol/frames";
import { idem } from "../../../../../test/harness";
import { agentRoom, autopilotSays, say } from "./test/harness";

// The Autopilot's own model and the community (tool-policy.ts): it reads the feed at will,
// and a post of its own waits for a person; approved, it is signed with the workspace's
// Autopilot key and shows as the Autopilot of the workspace, a bot.

describe("the Autopilot in the community", () => {
  it("reads the feed without asking, and posts only once a person approves, as the workspace's Autopilot", async () => {
    const { sock, thread } = await agentRoom();
    await sock.ok("community.post", { community: "workspace", text: "Is the release out?", idempotencyKey: idem() });

    await say(sock, thread.id, 'STEPS: community_feed {"community":"workspace"}');
    const read = await autopilotSays(sock, thread.id, (m) => m.tool?.name === "community_feed");
    expect(JSON.stringify(read.tool)).toContain("Is the release out?");
    expect(sock.events("approval.requested")).toHaveLength(0);

    await say(sock, thread.id, 'STEPS: community_post {"community":"workspace","text":"Release 1.4 is out."}');
    const pending = (
      await sock.waitFor<EventFrame>((f) => f.type === "event" && f.event === "approval.requested", 20_000)
    ).payload as { approval: Approval };
    expect(pending.approval).toMatchObject({ risk: "medium", requestedBy: { id: "autopilot", kind: "agent" } });
    expect(pending.approval.action).toMatchObject({ kind: "tool", tool: "community_post" });
    // Nothing was posted while it waits.
    const before = await sock.ok("community.feed", { community: "workspace" });
    expect(before.posts.map((p) => p.text)).toEqual(["Is the release out?"]);

    await sock.ok("approvals.resolve", {
      approvalId: pending.approval.id,
      decision: "approve",
      confirmOwn: true,
      idempotencyKey: idem(),
    });
    const news = await sock.waitFor<EventFrame>(
      (f) =>
        f.type === "event" &&
        f.event === "community.event" &&
        (f.payload as CommunityEventPayload).type === "post" &&
        (f.payload as { post: { text: string } }).post.text === "Release 1.4 is out.",
      20_000,
    );
    const { post } = news.payload as Extract<CommunityEventPayload, { type: "post" }>;
    expect(post.author).toMatchObject({ name: "Autopilot", role: "autopilot", bot: true, known: true });
    expect(post.author.line).toMatch(/^Autopilot of /);
  });
});
