import { z } from "zod";
import {
  DEFAULT_FILE_MAX_BYTES,
  FILE_NAME_HEADER,
  FILE_TYPES,
  type FileInfo,
  FileUploadResult,
} from "../../../../shared/api/files";

/**
 * A file's bytes go to the Worker over HTTP (`POST /files/<workspaceId>`, the session
 * cookie), which stores them and tells the room; the message then names the file by id.
 * What the server answers is checked against its schema like every other answer.
 */

const ErrorBody = z.object({ error: z.object({ code: z.string(), message: z.string() }) });

export const ACCEPT = FILE_TYPES.join(",");

/** What the app can tell before uploading (the server decides again, with the limit it is configured with). */
export function refusalBefore(file: File): string | null {
  if (!(FILE_TYPES as readonly string[]).includes(file.type))
    return `${file.name}: only images (PNG, JPEG, GIF, WebP), PDFs and text files (plain, Markdown, CSV, JSON) can be attached.`;
  if (file.size === 0) return `${file.name} is empty.`;
  if (file.size > DEFAULT_FILE_MAX_BYTES)
    return `${file.name} is larger than ${Math.round(DEFAULT_FILE_MAX_BYTES / 1024 / 1024)} MB.`;
  return null;
}

export async function uploadFile(workspaceId: string, file: File, signal?: AbortSignal): Promise<FileInfo> {
  let res: Response;
  try {
    res = await fetch(`/files/${encodeURIComponent(workspaceId)}`, {
      method: "POST",
      credentials: "same-origin",
      headers: { "content-type": file.type, [FILE_NAME_HEADER]: encodeURIComponent(file.name) },
      body: file,
      ...(signal && { signal }),
    });
  } catch (error) {
    if (signal?.aborted) throw error;
    throw new Error(`${file.name} did not upload: cannot reach the server. Check your connection and try again.`);
  }
  const body: unknown = await res.json().catch(() => null);
  if (!res.ok) {
    const parsed = ErrorBody.safeParse(body);
    const why = parsed.success ? parsed.data.error.message : `${res.status} ${res.statusText}`;
    throw new Error(`${file.name} did not upload: ${why}.`);
  }
  const parsed = FileUploadResult.safeParse(body);
  if (!parsed.success)
    throw new Error(
      `${file.name}: the server's answer is not one this app understands. Reload the page and try again.`,
    );
  return parsed.data.file;
}

export const fileUrl = (workspaceId: string, fileId: string) =>
  `/files/${encodeURIComponent(workspaceId)}/${encodeURIComponent(fileId)}`;

export function sizeText(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
