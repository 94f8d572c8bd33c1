// Where a file's bytes live: one R2 object per file under `<workspaceId>/<fileId>`, so a
// workspace's files are one prefix (and another workspace's file is simply not there).

/** The object key of a file. */
export const fileKey = (workspaceId: string, fileId: string): string => `${workspaceId}/${fileId}`;

/** A file's bytes in a workspace, or null when it is gone. */
export const fileBytes =
  (bucket: R2Bucket, workspaceId: string) =>
  async (fileId: string): Promise<Uint8Array | null> => {
    const object = await bucket.get(fileKey(workspaceId, fileId));
    return object ? new Uint8Array(await object.arrayBuffer()) : null;
  };

/** R2 deletes at most this many keys in one call. */
const DELETE_BATCH = 1000;

/** Deletes the objects of these files. */
export async function deleteFileObjects(
  bucket: R2Bucket,
  workspaceId: string,
  fileIds: readonly string[],
): Promise<void> {
  for (let at = 0; at < fileIds.length; at += DELETE_BATCH)
    await bucket.delete(fileIds.slice(at, at + DELETE_BATCH).map((id) => fileKey(workspaceId, id)));
}

/**
 * Deletes the objects of a workspace that no file row names (`isKnown`) and that were put
 * before `before` (ms): what a failed delete left behind. Younger ones may be an upload whose
 * row is being written. Returns how many it deleted.
 */
export async function deleteOrphanFiles(
  bucket: R2Bucket,
  workspaceId: string,
  isKnown: (fileId: string) => boolean,
  before: number,
): Promise<number> {
  let deleted = 0;
  let cursor: string | undefined;
  do {
    const page = await bucket.list({
      prefix: `${workspaceId}/`,
      limit: DELETE_BATCH,
      include: ["customMetadata"],
      ...(cursor ? { cursor } : {}),
    });
    const orphans = page.objects.filter((o) => {
      const put = Number(o.customMetadata?.uploadedAt ?? o.uploaded.getTime());
      return !isKnown(o.key.slice(workspaceId.length + 1)) && put < before;
    });
    if (orphans.length > 0) await bucket.delete(orphans.map((o) => o.key));
    deleted += orphans.length;
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return deleted;
}

/** Deletes every file of a workspace (the workspace was deleted). */
export async function deleteWorkspaceFiles(bucket: R2Bucket, workspaceId: string): Promise<void> {
  for (;;) {
    const page = await bucket.list({ prefix: `${workspaceId}/`, limit: DELETE_BATCH });
    if (page.objects.length > 0) await bucket.delete(page.objects.map((o) => o.key));
    if (!page.truncated) return;
  }
}
