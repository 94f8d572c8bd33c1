import type { StoredDoc, Upgrade } from "./codec";

/**
 * Protocol 8 gave every approval `onBehalfOf` and `selfConfirmed`. An approval stored
 * before it was asked on nobody's recorded behalf and was never self-confirmed (people
 * could not decide their own). The same step upgrades the events and recorded results
 * that carry an approval.
 */
export const withPolicyFields = (doc: StoredDoc): StoredDoc => ({ onBehalfOf: null, selfConfirmed: false, ...doc });

export const APPROVAL_UPGRADES: readonly Upgrade[] = [withPolicyFields];

const isDoc = (value: unknown): value is StoredDoc => typeof value === "object" && value !== null && !Array.isArray(value);

/** For a payload or result `{approval, …}`: the approval upgraded. */
export const approvalIn: Upgrade = (doc) => (isDoc(doc.approval) ? { ...doc, approval: withPolicyFields(doc.approval) } : doc);
