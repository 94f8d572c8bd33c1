export function folderOf(path: string): string | null;
export function folderCycles(
  modules: readonly {
    source: string;
    dependencies?: readonly { resolved: string; dependencyTypes?: readonly string[] }[];
  }[],
): { folders: string[]; imports: string[] }[];
