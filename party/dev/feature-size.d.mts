export const MAX_FEATURE_LINES: number;
export function featureLines(files: readonly { path: string; text: string }[]): Map<string, number>;
export function oversizedFeatures(
  files: readonly { path: string; text: string }[],
  max?: number,
  pending?: readonly string[],
): string[];
