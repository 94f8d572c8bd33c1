// agent.toolset against a real run: the tools the Autopilot's model was offered when a
// person's message started a run (as the scripted model recorded the request), with those
// its tools_load names, are exactly the ones agent.toolset answers that person as offered there; those it marks as waiting for
// a person are the ones the run pauses on. With a model configured, it is named.
import { describe, expect, it } from "vitest";
import { uniq } from "../../../../../test/harness";
import { LOAD_TOOL } from "../../toolset/index";
import { agentRoom, autopilotSays, requestMark, requestsFor, say } from "./test/harness";

describe("agent.toolset and the run it describes", () => {
  it("offers exactly the tools a run started by the requester in that thread was given", async () => {
    const { sock, thread } = await agentRoom();
    const mark = await requestMark();
    const marker = uniq("tools");
    await say(sock, thread.id, `SAY:ok ${marker}`);
    await autopilotSays(sock, thread.id);
    const [request] = await requestsFor(mark, marker);
    const sent = request?.tools ?? [];
    // The call was offered the everyday tools and tools_load, whose description names the
    // others (features/toolset/offer.ts): together, every tool the run has.
    const load = sent.find((t) => t.function.name === LOAD_TOOL);
    const onRequest = [...(load?.function.description ?? "").matchAll(/\b[a-z]+_[a-zA-Z]+\b/g)].map((m) => m[0]);
    expect(onRequest).toContain("schedules_create");
    const given = [...sent.map((t) => t.function.name).filter((name) => name !== LOAD_TOOL), ...onRequest].sort();
    expect(sent.length).toBeLessThan(given.length / 2);

    const toolset = await sock.ok("agent.toolset", { threadId: thread.id });
    const offered = toolset.tools.filter((t) => t.approval !== "refused").map((t) => t.name);
    expect(offered.sort()).toEqual(given);
    expect(toolset.model).toEqual({ configured: true, id: "scripted-model" });
    expect(toolset.replies).toEqual({ answers: true, why: "The Autopilot answers every message here." });
    // What it never gets is listed with why, and was not given.
    const refused = toolset.tools.filter((t) => t.approval === "refused");
    expect(refused.map((t) => t.name)).toContain("approvals_resolve");
    for (const tool of refused) expect(given).not.toContain(tool.name);
  });

  it("asked by the Autopilot's own tool, answers for the person its run acts for", async () => {
    const { sock, thread } = await agentRoom();
    await say(sock, thread.id, `STEPS: agent_toolset {"threadId":"${thread.id}"}`);
    const message = await autopilotSays(sock, thread.id, (m) => m.tool?.name === "agent_toolset");
    expect(message.tool?.status).toBe("ok");
    // The run's scopes, and the person's view of the thread: the Autopilot answers them here. (The
    // tool message keeps the result's start; the answer leads with these.)
    // An answer past the tool's result size reaches the model clipped, as text (run-access.ts):
    // the message then shows that text as a JSON string.
    const raw = message.tool?.result ?? "";
    const result = raw.startsWith('"') ? raw.slice(1).replaceAll('\\"', '"') : raw;
    expect(result.startsWith('{"scopes":["read","write"],"model":{"configured":true,"id":"scripted-model"}')).toBe(
      true,
    );
    expect(result).toContain('"replies":{"answers":true,"why":"The Autopilot answers every message here."}');
  });
});
