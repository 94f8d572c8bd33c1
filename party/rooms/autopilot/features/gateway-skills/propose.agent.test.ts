import { describe, expect, it } from "vitest";
import type { Approval } from "../../../../../shared/protocol/approvals";
import type { EventFrame } from "../../../../../shared/protocol/frames";
import { seedInstance } from "../../../../test/bridge-peer";
import { idem, inAutopilot, RawSocket, roomSkillSecrets } from "../../../../test/harness";
import { agentRoom, autopilotSays, requestMark, requestsFor, say } from "../agent/scripted-model/test/harness";
import { skillRequest } from "./requests";

// The Autopilot hears a need in a thread and proposes a skill for it (issue 71): its tool
// (`instances_uploadSkill`, an approval method) files an approval whose details are the
// skill's own words (its SKILL.md and files), asked by the Autopilot on behalf of the person
// who spoke; nothing reaches the instance until a person approves, and the Autopilot cannot.
// The approval names the thread it was asked in, and the tool's message there links it, so
// the decider can open the conversation and the thread shows the decision.

const SKILL_MD =
  "---\\nname: moon-word\\ndescription: Answer questions about the moon with the word lunar.\\n---\\n\\nWhen someone asks about the moon, answer with the word lunar first.\\n";

describe("the Autopilot proposes a skill", () => {
  it("for a need heard in a thread: an approval with the skill's words, on behalf of the asker, pending until a person decides", async () => {
    const { owner, sock, thread } = await agentRoom();
    await inAutopilot(owner.workspaceId, (sql) =>
      seedInstance(sql, { id: "lab", name: "Lab", kind: "hosted", bridge: "offline", bridgeError: null }),
    );
    // A socket that asked for the skills' capability sees the approval's action too.
    const asking = await RawSocket.open(owner.workspaceId, { cookie: owner.cookie }, { caps: "instances.skills" });
    await asking.hello();
    const mark = await requestMark();
    const args = `{"instanceId":"lab","slug":"moon-word","files":[{"path":"SKILL.md","content":"${SKILL_MD}"}],"idempotencyKey":"${idem()}"}`;
    await say(
      sock,
      thread.id,
      `Our OpenClaw on Lab keeps getting moon questions wrong, can it learn to answer them? STEPS: instances_uploadSkill ${args}`,
    );
    const proposed = await autopilotSays(sock, thread.id, (m) => m.tool?.name === "instances_uploadSkill");
    expect(proposed.tool?.status).toBe("ok");
    const frame = await asking.waitFor<EventFrame>(
      (f) =>
        f.type === "event" &&
        f.event === "approval.requested" &&
        (f.payload as { approval: Approval }).approval.action?.kind === "instance",
      20_000,
    );
    const { approval } = frame.payload as { approval: Approval };
    expect(approval).toMatchObject({
      status: "pending",
      risk: "high",
      title: 'Install the skill "moon-word" on OpenClaw instance "Lab"',
      requestedBy: { id: "autopilot" },
      onBehalfOf: { id: owner.userId },
      threadId: thread.id,
      action: { kind: "instance", operation: "installSkill", instanceId: "lab", skill: { key: "moon-word" } },
    });
    expect(proposed.tool?.approvalId).toBe(approval.id);
    // What the person decides on: the skill's own words and its files.
    expect(approval.details).toContain("When someone asks about the moon, answer with the word lunar first.");
    expect(approval.details).toContain("- SKILL.md (");
    // The files wait in the room for the decision; the Autopilot's tool result names the approval.
    expect(JSON.parse(proposed.tool!.result!)).toMatchObject({ approval: { id: approval.id, status: "pending" } });
    expect(
      await inAutopilot(
        owner.workspaceId,
        (sql) => skillRequest(sql, approval.id, roomSkillSecrets(owner.workspaceId))?.skillKey,
      ),
    ).toBe("moon-word");
    // The skill tools the model can load (propose with an upload, find and install from ClawHub,
    // remove): the first call names them in tools_load's description, and once loaded the
    // next call is offered the one it loaded.
    const [first, second] = await requestsFor(mark, "moon questions");
    const load = (first?.tools ?? []).find((t) => t.function.name === "tools_load");
    for (const name of [
      "instances_uploadSkill",
      "instances_searchSkills",
      "instances_installSkill",
      "instances_removeSkill",
    ])
      expect(load?.function.description).toContain(name);
    expect((first?.tools ?? []).map((t) => t.function.name)).not.toContain("instances_uploadSkill");
    expect((second?.tools ?? []).map((t) => t.function.name)).toContain("instances_uploadSkill");
    asking.close();
  });
});
