import { inField, type StoredDoc, type Upgrade } from "./codec";

/**
 * Protocol 12 gave every schedule its newest run (`lastRun`) and whether it has a webhook
 * (`hook`). One stored before it had its runs kept only as firing rows without what they
 * made, and no webhook: it shows no run (its next one fills it in) and none. The same step
 * upgrades the events and recorded results that carry a schedule.
 */
export const withRunAndHook = (doc: StoredDoc): StoredDoc => ({ lastRun: null, hook: null, ...doc });

/** For a payload or result `{schedule, …}`: the schedule upgraded. */
export const scheduleIn: Upgrade = inField("schedule", withRunAndHook);
