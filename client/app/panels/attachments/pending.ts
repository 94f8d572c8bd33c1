import { useCallback, useEffect, useRef, useState } from "react";
import type { FileInfo } from "../../../../shared/api/files";
import { MAX_ATTACHMENTS } from "../../../../shared/protocol/threads";
import { refusalBefore, uploadFile } from "./upload";

/** A file on its way into the next message: uploading, ready (the server knows it), or refused. */
export interface PendingFile {
  key: string;
  name: string;
  size: number;
  type: string;
  state: "uploading" | "ready" | "failed";
  file?: FileInfo;
  error?: string;
}

/**
 * The composer's files: each starts uploading as soon as it is picked, pasted or dropped,
 * so sending waits for nothing but what is still on its way. At most MAX_ATTACHMENTS.
 */
export function usePendingFiles(workspaceId: string | null) {
  const [files, setFiles] = useState<PendingFile[]>([]);
  const [notice, setNotice] = useState<string | null>(null);
  const aborts = useRef(new Map<string, AbortController>());
  const update = useCallback(
    (key: string, change: Partial<PendingFile>) =>
      setFiles((all) => all.map((f) => (f.key === key ? { ...f, ...change } : f))),
    [],
  );

  // What is pending now, for `add` to count against (an updater must not start uploads:
  // React may run it twice).
  const current = useRef<PendingFile[]>([]);
  current.current = files;

  const add = useCallback(
    (picked: Iterable<File>) => {
      if (!workspaceId) return;
      const list = [...picked];
      const room = MAX_ATTACHMENTS - current.current.length;
      setNotice(list.length > room ? `A message carries at most ${MAX_ATTACHMENTS} files.` : null);
      const added = list.slice(0, Math.max(0, room)).map((file): PendingFile => {
        const key = crypto.randomUUID();
        const refusal = refusalBefore(file);
        if (!refusal) {
          const abort = new AbortController();
          aborts.current.set(key, abort);
          uploadFile(workspaceId, file, abort.signal).then(
            (info) => update(key, { state: "ready", file: info }),
            (error: unknown) =>
              !abort.signal.aborted &&
              update(key, { state: "failed", error: error instanceof Error ? error.message : String(error) }),
          );
        }
        return {
          key,
          name: file.name,
          size: file.size,
          type: file.type,
          state: refusal ? "failed" : "uploading",
          ...(refusal && { error: refusal }),
        };
      });
      current.current = [...current.current, ...added];
      setFiles((all) => [...all, ...added]);
    },
    [workspaceId, update],
  );

  const remove = useCallback((key: string) => {
    aborts.current.get(key)?.abort();
    aborts.current.delete(key);
    setFiles((all) => all.filter((f) => f.key !== key));
  }, []);

  const clear = useCallback(() => {
    aborts.current.clear();
    setFiles([]);
    setNotice(null);
  }, []);

  // Another thread or workspace: nothing picked here goes there.
  useEffect(() => clear, [clear]);

  const ready = files.filter((f) => f.state === "ready").map((f) => f.file!.id);
  return {
    files,
    notice,
    add,
    remove,
    clear,
    ready,
    uploading: files.some((f) => f.state === "uploading"),
    failed: files.some((f) => f.state === "failed"),
  };
}
