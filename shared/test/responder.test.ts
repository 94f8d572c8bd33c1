import { describe, expect, it } from "vitest";
import type { Responder } from "../protocol/agent";
import { autopilotAnswers, mentionsAutopilot } from "../responder";

const autopilot = (reply: Responder["reply"], agents: boolean): Responder => ({ kind: "autopilot", reply, agents });

describe("when the Autopilot answers a post", () => {
  it("people: every post, or only @autopilot in mention mode", () => {
    expect(autopilotAnswers(autopilot("every", false), { from: "user", text: "hi" })).toBe(true);
    expect(autopilotAnswers(autopilot("mention", false), { from: "user", text: "hi" })).toBe(false);
    expect(autopilotAnswers(autopilot("mention", false), { from: "user", text: "hi @autopilot, status?" })).toBe(true);
  });

  it("agents: never where the thread ignores them, even naming it; as people where it answers them", () => {
    expect(autopilotAnswers(autopilot("every", false), { from: "agent", text: "Build is green" })).toBe(false);
    expect(autopilotAnswers(autopilot("mention", false), { from: "agent", text: "@autopilot summarise" })).toBe(false);
    expect(autopilotAnswers(autopilot("every", true), { from: "agent", text: "Build is green" })).toBe(true);
    expect(autopilotAnswers(autopilot("mention", true), { from: "agent", text: "Build is green" })).toBe(false);
    expect(autopilotAnswers(autopilot("mention", true), { from: "agent", text: "@autopilot summarise" })).toBe(true);
  });

  it("a thread nobody answers: never, even naming it", () => {
    expect(autopilotAnswers({ kind: "none", reply: "every", agents: true }, { from: "user", text: "@autopilot" })).toBe(
      false,
    );
  });

  it("an OpenClaw thread: only a person's own post naming it, whatever the thread's settings", () => {
    for (const agents of [false, true]) {
      const openclaw: Responder = { kind: "openclaw", reply: "every", agents };
      expect(autopilotAnswers(openclaw, { from: "user", text: "@autopilot only answer my family" })).toBe(true);
      expect(autopilotAnswers(openclaw, { from: "user", text: "only answer my family" })).toBe(false);
      expect(autopilotAnswers(openclaw, { from: "agent", text: "@autopilot only answer my family" })).toBe(false);
      expect(autopilotAnswers(openclaw, { from: "user", text: "@autopilot hi", guest: true })).toBe(false);
      expect(autopilotAnswers(openclaw, { from: "user", text: "mail ops@autopilot.example" })).toBe(false);
    }
  });

  it("a mention is the name on its own", () => {
    expect(mentionsAutopilot("@Autopilot help")).toBe(true);
    expect(mentionsAutopilot("ask (@autopilot)")).toBe(true);
    expect(mentionsAutopilot("mail ops@autopilot.example")).toBe(false);
    expect(mentionsAutopilot("@autopilots")).toBe(false);
  });
});
