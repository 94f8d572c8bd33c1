import { describe, expect, it } from "vitest";
import { guideText } from "../../../../../shared/openclaw-paths";
import { agentRoom, autopilotSays, say } from "../agent/scripted-model/test/harness";

// "How do I run my own OpenClaw?": the Autopilot reads the same guide the app shows
// (shared/openclaw-paths.ts, `instances.guide`) without asking anyone, and nothing else
// can be said by it that the app would not.

describe("the Autopilot explains both ways to have an OpenClaw", () => {
  it("reads the guide for a path at will and gets the app's own words", async () => {
    const { sock, thread } = await agentRoom();
    await say(sock, thread.id, 'STEPS: instances_guide {"path":"own"}');
    const read = await autopilotSays(sock, thread.id, (m) => m.tool?.name === "instances_guide");
    expect(read.tool?.status).toBe("ok");
    expect(JSON.parse(read.tool!.result!)).toEqual({ text: guideText("own") });
    expect(guideText("own")).toContain("openclaw gateway run --port 18789 --auth token");
    expect(sock.events("approval.requested")).toHaveLength(0);
    // The same method answers people and agents on the socket.
    expect(await sock.ok("instances.guide", {})).toEqual({ text: guideText() });
  });
});
