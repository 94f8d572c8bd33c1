export function pathTokens(text: string, tops: string[]): { line: number; token: string; link: boolean }[];
/** The paths texts name that are not among `files` (nor built: `ignored` of them), each as `path:line: path`. */
type MissingPaths = (
  texts: { path: string; text: string }[],
  files: string[],
  ignored: (paths: string[]) => Set<string>,
) => string[];
export const missingDocPaths: MissingPaths;
export function repositoryDocProblems(root?: string): string[];
export function sourceComments(text: string): { line: number; text: string }[];
export function commentPathTokens(text: string, tops: string[]): { line: number; token: string }[];
export const missingCommentPaths: MissingPaths;
export function repositoryCommentProblems(root?: string): string[];
