export function outsideReferences(root: string, files: { path: string; text: string }[]): string[];
