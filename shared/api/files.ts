import { z } from "zod";
import { MessageAttachment } from "../protocol/threads";

// Files in threads over HTTP (docs/protocol.md, "Files"): the bytes travel over HTTP, what
// the room knows of them over the socket (a message's `attachments`).
//
//   POST /files/<workspaceId>         body: the file's bytes; content-type: its type;
//                                     x-file-name: its name, percent-encoded  → 201 FileUploadResult
//   GET  /files/<workspaceId>/<fileId>                                        → the bytes

/** The types a file may have; anything else is refused (415). */
export const FILE_TYPES = [
  "image/png",
  "image/jpeg",
  "image/gif",
  "image/webp",
  "application/pdf",
  "text/plain",
  "text/markdown",
  "text/csv",
  "application/json",
] as const;
export type FileType = (typeof FILE_TYPES)[number];

/** Shown in place (`content-disposition: inline`); every other type downloads as an attachment. */
export const INLINE_FILE_TYPES: ReadonlySet<string> = new Set<FileType>([
  "image/png",
  "image/jpeg",
  "image/gif",
  "image/webp",
]);

/** The largest upload unless FILE_MAX_BYTES says otherwise. */
export const DEFAULT_FILE_MAX_BYTES = 10 * 1024 * 1024;

/** The header that names an upload (percent-encoded, as `encodeURIComponent` writes it). */
export const FILE_NAME_HEADER = "x-file-name";

/** What the room recorded of a file: the same shape a message's `attachments` carry. */
export const FileInfo = MessageAttachment;
export type FileInfo = z.infer<typeof FileInfo>;

/** `POST /files/<workspaceId>` answers 201 with this. */
export const FileUploadResult = z.object({ file: FileInfo });
export type FileUploadResult = z.infer<typeof FileUploadResult>;

/**
 * Errors are `{error: {code, message}}` (shared/api/errors.ts). Besides the usual ones:
 * 405 `method_not_allowed`, 413 `payload_too_large` (over the size limit), 415 `unsupported_media_type` (a type not
 * allowed, or content that is not what the type says), 429 `rate_limited` (with
 * `retry-after`).
 */
export const FILE_ERROR_STATUS = {
  method_not_allowed: 405,
  payload_too_large: 413,
  unsupported_media_type: 415,
} as const;
