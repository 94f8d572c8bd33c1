import { fileById } from "../threads/index";
import type { Sql } from "../../../../domain/sql";

// A queued message's files as the gateway's `chat.send` takes them: read from R2 when the
// message is sent (the outbox keeps their ids, never their bytes), base64 in `content`,
// the name and type from the room's record. The gateway takes a whole request in one frame
// of at most 25 MiB and refuses an image over 6 MiB (it says so in `hello-ok.policy`), so a
// message sends what fits and says what it left out.

/** A file's bytes in this workspace: null when it is gone; throws when the store cannot be read. */
export type FileReader = (fileId: string) => Promise<Uint8Array | null>;

/** The base64 of one message's files, all together: well inside the gateway's 25 MiB frame. */
export const MAX_ATTACHMENTS_BASE64 = 20 * 1024 * 1024;
/** The gateway refuses a larger image (`hello-ok.policy.attachments.maxImageBytes`). */
export const MAX_IMAGE_BYTES = 6 * 1024 * 1024;

/** One attachment of the gateway's `chat.send`. */
export interface GatewayAttachment {
  type: "image" | "file";
  mimeType: string;
  fileName: string;
  content: string;
}

export interface OutboundFiles {
  attachments: GatewayAttachment[];
  /** One line per file left out: its name and why. */
  leftOut: string[];
}

const base64Length = (bytes: number): number => 4 * Math.ceil(bytes / 3);

function base64(bytes: Uint8Array): string {
  let binary = "";
  for (let at = 0; at < bytes.length; at += 0x8000) binary += String.fromCharCode(...bytes.subarray(at, at + 0x8000));
  return btoa(binary);
}

/**
 * The files `fileIds` names, in order, as `chat.send` attachments: each one that fits what is
 * left of MAX_ATTACHMENTS_BASE64 and can be read goes; the others are named in `leftOut`.
 * Sizes are judged on the room's record before any byte is read.
 */
export async function outboundFiles(
  sql: Sql,
  fileIds: readonly string[],
  read: FileReader | undefined,
): Promise<OutboundFiles> {
  const attachments: GatewayAttachment[] = [];
  const leftOut: string[] = [];
  let budget = MAX_ATTACHMENTS_BASE64;
  for (const id of fileIds) {
    const file = fileById(sql, id);
    if (!file || !read) {
      leftOut.push(`${file?.name ?? id} (no longer available)`);
      continue;
    }
    const image = file.type.startsWith("image/");
    if (image && file.size > MAX_IMAGE_BYTES) {
      leftOut.push(`${file.name} (an image over ${MAX_IMAGE_BYTES / (1024 * 1024)} MiB)`);
      continue;
    }
    if (base64Length(file.size) > budget) {
      leftOut.push(
        `${file.name} (too large: a message takes at most ${(MAX_ATTACHMENTS_BASE64 * 3) / 4 / (1024 * 1024)} MiB of files)`,
      );
      continue;
    }
    let bytes: Uint8Array | null | undefined;
    try {
      bytes = await read(id);
    } catch {
      bytes = undefined;
    }
    // The record bounds what is sent: bytes that are not the recorded file are not it.
    const missing =
      bytes === undefined
        ? "could not be read"
        : bytes === null
          ? "no longer available"
          : bytes.byteLength !== file.size
            ? "not the file that was uploaded"
            : null;
    if (missing || !bytes) {
      leftOut.push(`${file.name} (${missing})`);
      continue;
    }
    budget -= base64Length(bytes.byteLength);
    attachments.push({
      type: image ? "image" : "file",
      mimeType: file.type,
      fileName: file.name,
      content: base64(bytes),
    });
  }
  return { attachments, leftOut };
}

/** The thread's notice of what a message's files left out (null when nothing was). */
export const leftOutNotice = (leftOut: readonly string[]): string | null =>
  leftOut.length === 0 ? null : `Not sent to OpenClaw with this message: ${leftOut.join("; ")}.`;
