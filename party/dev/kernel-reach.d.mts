export function kernelReachesFeatures(
  modules: readonly { source: string; dependencies?: readonly { resolved: string }[] }[],
): string[];
