export function snapshotInstance(instanceDir: string, archive: string, stagingParent?: string): Promise<void>;
