import { inField, type StoredDoc, type Upgrade } from "./codec";

/**
 * Protocol 8 gave every approval `onBehalfOf` and `selfConfirmed`. An approval stored
 * before it was asked on nobody's recorded behalf and was never self-confirmed (people
 * could not decide their own). The same step upgrades the events and recorded results
 * that carry an approval.
 */
export const withPolicyFields = (doc: StoredDoc): StoredDoc => ({ onBehalfOf: null, selfConfirmed: false, ...doc });

/** Protocol 8 also gave approvals a plain-words `summary`; older ones lead with their title. */
export const withSummary = (doc: StoredDoc): StoredDoc => ({
  summary: typeof doc.title === "string" ? doc.title.slice(0, 500) : "",
  ...doc,
});

export const APPROVAL_UPGRADES: readonly Upgrade[] = [withPolicyFields, withSummary];
export const upgradeApproval = (doc: StoredDoc): StoredDoc => APPROVAL_UPGRADES.reduce((d, step) => step(d), doc);

/** For a payload or result `{approval, …}`: the approval upgraded. */
export const approvalIn: Upgrade = inField("approval", upgradeApproval);
