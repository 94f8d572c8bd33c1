import { inField, type StoredDoc, type Upgrade } from "./codec";

/**
 * Protocol 12 gave every schedule its newest run (`lastRun`). One stored before it had its
 * runs kept only as firing rows without what they made: it shows none, and its next run
 * fills it in. The same step upgrades the events and recorded results that carry a schedule.
 */
export const withLastRun = (doc: StoredDoc): StoredDoc => ({ lastRun: null, ...doc });

/** For a payload or result `{schedule, …}`: the schedule upgraded. */
export const scheduleIn: Upgrade = inField("schedule", withLastRun);
