export function platformBranches(files: { path: string; text: string }[], names: string[]): string[];
