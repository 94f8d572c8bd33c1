export const TIER: string[];
export interface Walk {
  method: string;
  stated: { files: number; folders: number } | null;
  named: string[];
  beside: string[];
  besideStated: { files: number; folders: number } | null;
  list: string[];
}
export function parseWalks(doc: string): Walk[];
export function importClosure(root: string, entries: string[]): Set<string>;
export function walkProblems(root: string, doc: string, entries?: string[]): string[];
