export function pathTokens(text: string, tops: string[]): { line: number; token: string; link: boolean }[];
export function missingDocPaths(
  docs: { path: string; text: string }[],
  files: string[],
  ignored: (paths: string[]) => Set<string>,
): string[];
export function repositoryDocProblems(root?: string): string[];
