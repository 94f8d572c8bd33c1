// How big each feature of the Autopilot room is: a feature folder is one concern a reader
// takes in whole, and past MAX_FEATURE_LINES it holds several that want folders of their own
// (each with its index.ts and needs: docs/architecture.md). Its source lines count, its tests
// (`*.test.ts`, a `test/` folder) do not.

export const MAX_FEATURE_LINES = 3500;

const FEATURE = /^party\/rooms\/autopilot\/features\/([^/]+)\/.+\.tsx?$/;
const isTest = (path) => /(^|\/)test\/|\.test\.tsx?$/.test(path);
const linesOf = (text) => text.split("\n").length - (text.endsWith("\n") ? 1 : 0);

/** Each feature folder's source lines (tests left out), by the folder's name. */
export function featureLines(files) {
  const lines = new Map();
  for (const { path, text } of files) {
    const feature = FEATURE.exec(path)?.[1];
    if (!feature || isTest(path)) continue;
    lines.set(feature, (lines.get(feature) ?? 0) + linesOf(text));
  }
  return lines;
}

/**
 * Each feature folder over `max` lines, as "name (n lines)"; `pending` names folders known to
 * be over while they are split, each of which must still be over (else it is reported, so
 * the list does not outlive the split).
 */
export function oversizedFeatures(files, max = MAX_FEATURE_LINES, pending = []) {
  const found = [];
  const lines = featureLines(files);
  for (const [feature, count] of [...lines].sort(([a], [b]) => (a < b ? -1 : 1)))
    if (count > max && !pending.includes(feature)) found.push(`${feature} (${count} lines)`);
  for (const feature of pending)
    if ((lines.get(feature) ?? 0) <= max)
      found.push(`${feature} is listed as over ${max} lines while it is split, and is not: take it off the list`);
  return found;
}
