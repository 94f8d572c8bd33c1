// What a restart does to a run it cut off mid-stream. A run that had been resumed after
// its approvals (tools' or a spend approval) holds everything needed to resume again (its stored model messages and
// the answers): it does, and the approved tool still runs once (its idempotency key is
// the run's and the call's, so the replay answers from the idempotency table). A first
// segment, or a run cut too often, ends visibly instead.

/** The parts of a stored run (party/rooms/autopilot/features/agent/agent-runs.ts AgentRun) that decide it. */
interface CutRun {
  status: string;
  segment: number;
  doc: { messages: readonly unknown[]; pending: readonly { answer: unknown }[]; resumes?: number | undefined };
}

/** A run cut by restarts this often ends instead (a run that crashes its room must not loop). */
export const MAX_RESUMES = 3;

export function canResumeAgain(run: CutRun): boolean {
  const { messages, pending, resumes } = run.doc;
  return (
    run.status === "streaming" &&
    // Stored messages: it was resumed (from its tools' approvals, or its spend approval with
    // no call to answer); a first segment stores none.
    messages.length > 0 &&
    pending.every((call) => call.answer !== null) &&
    (resumes ?? 0) < MAX_RESUMES
  );
}

/** The run as it resumes again: a new segment (clients dropped the cut one) and one more resume counted. */
export const nextResume = <R extends CutRun>(run: R): R => ({
  ...run,
  segment: run.segment + 1,
  doc: { ...run.doc, resumes: (run.doc.resumes ?? 0) + 1 },
});
