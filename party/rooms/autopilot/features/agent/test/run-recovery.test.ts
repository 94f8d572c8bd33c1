import { describe, expect, it } from "vitest";
import { canResumeAgain, MAX_RESUMES, nextResume } from "../run-recovery";

const resumed = {
  status: "streaming",
  segment: 1,
  doc: {
    messages: [{ role: "user", content: "archive it" }],
    pending: [{ answer: { approved: true } }] as { answer: unknown }[],
    resumes: 0,
  },
};

describe("a run cut off by a restart", () => {
  it("resumes again when it had been resumed from its approvals", () => {
    expect(canResumeAgain(resumed)).toBe(true);
    const again = nextResume(resumed);
    expect(again).toMatchObject({ segment: 2, doc: { resumes: 1, messages: resumed.doc.messages } });
  });

  it("resumes again after its spend approval, which left no call to answer", () => {
    expect(canResumeAgain({ ...resumed, doc: { ...resumed.doc, pending: [] } })).toBe(true);
  });

  it("ends when it was still in its first segment, still waits for an answer, or was cut too often", () => {
    expect(canResumeAgain({ ...resumed, segment: 0, doc: { ...resumed.doc, messages: [], pending: [] } })).toBe(false);
    expect(canResumeAgain({ ...resumed, doc: { ...resumed.doc, pending: [{ answer: null }] } })).toBe(false);
    expect(canResumeAgain({ ...resumed, status: "awaiting_approval" })).toBe(false);
    let run = resumed;
    for (let i = 0; i < MAX_RESUMES; i++) run = nextResume(run);
    expect(canResumeAgain(run)).toBe(false);
  });
});
