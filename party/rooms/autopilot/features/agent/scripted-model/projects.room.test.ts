// The Autopilot reads a thread's project: when it answers in a thread of a project, its
// instructions carry the project's name, brief and links (what the scripted model was sent);
// not in a thread of no project, nor once the project is archived. Its own tool may update
// the brief; creating a project waits for a person's approval.
import { describe, expect, it } from "vitest";
import type { EventFrame } from "../../../../../../shared/protocol/frames";
import type { Approval } from "../../../../../../shared/protocol/approvals";
import type { Project } from "../../../../../../shared/protocol/projects";
import { idem, uniq } from "../../../../../test/harness";
import { agentRoom, autopilotSays, requestMark, requestsFor, type ScriptedRequest, say } from "./test/harness";

/** The instructions (system message) of a request the model got. */
const instructionsOf = (request: ScriptedRequest | undefined): string => {
  const system = request?.messages?.find((m) => m.role === "system");
  return typeof system?.content === "string" ? system.content : JSON.stringify(system?.content ?? "");
};

describe("the Autopilot and projects", () => {
  it("answers in a project's thread with the project's name, brief and links in its instructions", async () => {
    const { sock, thread } = await agentRoom();
    const briefMarker = uniq("brief");
    const { project } = await sock.ok("projects.create", {
      name: "Launch 2.4",
      brief: `## Goal\nShip 2.4 to every customer. Codeword ${briefMarker}.`,
      links: [{ url: "https://example.com/spec", title: "Spec" }],
      threadIds: [thread.id],
      idempotencyKey: idem(),
    });
    const other = (await sock.ok("threads.create", { title: uniq("loose"), idempotencyKey: idem() })).thread;

    const mark = await requestMark();
    const inProject = uniq("ask");
    await say(sock, thread.id, `SAY:ok ${inProject}`);
    await autopilotSays(sock, thread.id);
    const outside = uniq("ask");
    await say(sock, other.id, `SAY:ok ${outside}`);
    await autopilotSays(sock, other.id);

    const [asked] = await requestsFor(mark, inProject);
    const instructions = instructionsOf(asked);
    expect(instructions).toContain('This thread belongs to the project "Launch 2.4"');
    expect(instructions).toContain(`Codeword ${briefMarker}.`);
    expect(instructions).toContain("- Spec: https://example.com/spec");
    // The brief is data in the instructions, never a message of someone's.
    expect(JSON.stringify(asked!.messages!.filter((m) => m.role !== "system"))).not.toContain(briefMarker);
    const [loose] = await requestsFor(mark, outside);
    expect(instructionsOf(loose)).not.toContain("belongs to the project");
    expect(instructionsOf(loose)).not.toContain(briefMarker);

    // Archived, the project is no longer read.
    await sock.ok("projects.archive", { projectId: project.id, idempotencyKey: idem() });
    const after = uniq("ask");
    const mark2 = await requestMark();
    await say(sock, thread.id, `SAY:ok ${after}`);
    await autopilotSays(sock, thread.id, (m) => m.text.includes(after));
    const [archived] = await requestsFor(mark2, after);
    expect(instructionsOf(archived)).not.toContain(briefMarker);
  });

  it("updates a brief with its own tool; creating a project waits for a person", async () => {
    const { sock, thread } = await agentRoom();
    const { project } = await sock.ok("projects.create", {
      name: "Ops",
      brief: "old",
      threadIds: [thread.id],
      idempotencyKey: idem(),
    });
    const update = JSON.stringify({ projectId: project.id, brief: "Keep the pager quiet." });
    await say(sock, thread.id, `STEPS: projects_update ${update}`);
    const changed = await sock.waitFor<EventFrame>(
      (f) =>
        f.type === "event" &&
        f.event === "project.changed" &&
        (f.payload as { project: Project }).project.brief === "Keep the pager quiet.",
      20_000,
    );
    expect((changed.payload as { project: Project }).project.threadIds).toEqual([thread.id]);

    const before = (await sock.ok("projects.list", {})).projects.length;
    await say(sock, thread.id, `STEPS: projects_create ${JSON.stringify({ name: "Made by the model" })}`);
    const requested = await sock.waitFor<EventFrame>(
      (f) => f.type === "event" && f.event === "approval.requested",
      20_000,
    );
    expect((requested.payload as { approval: Approval }).approval.title).toBe(
      "The Autopilot wants to create a project",
    );
    // Not made while it waits.
    expect((await sock.ok("projects.list", {})).projects).toHaveLength(before);
  });
});
