export function pathTokens(text: string, tops: string[]): { line: number; token: string; link: boolean }[];
export function missingDocPaths(
  docs: { path: string; text: string }[],
  files: string[],
  ignored: (paths: string[]) => Set<string>,
): string[];
export function repositoryDocProblems(root?: string): string[];
export function sourceComments(text: string): { line: number; text: string }[];
export function commentPathTokens(text: string, tops: string[]): { line: number; token: string }[];
export function missingCommentPaths(
  sources: { path: string; text: string }[],
  files: string[],
  ignored: (paths: string[]) => Set<string>,
): string[];
export function repositoryCommentProblems(root?: string): string[];
