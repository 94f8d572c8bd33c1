import { DEFAULT_FILE_MAX_BYTES, FILE_TYPES, type FileType } from "../../shared/api/files";
import { MAX_FILE_NAME } from "../../shared/protocol/threads";
import type { Env } from "../env";

// What an upload must be before it is stored: an allowed type, content that is what the
// type says, and a name that cannot pose as a path or carry control characters.

/** What one workspace stores of files unless FILE_WORKSPACE_MAX_BYTES says otherwise. */
export const DEFAULT_FILE_WORKSPACE_MAX_BYTES = 1024 * 1024 * 1024;

/** FILE_WORKSPACE_MAX_BYTES, or the default when unset or not a positive whole number. */
export function fileWorkspaceMaxBytes(env: Pick<Env, "FILE_WORKSPACE_MAX_BYTES">): number {
  const parsed = Number(env.FILE_WORKSPACE_MAX_BYTES);
  return Number.isSafeInteger(parsed) && parsed > 0 ? parsed : DEFAULT_FILE_WORKSPACE_MAX_BYTES;
}

/** FILE_MAX_BYTES, or the default when unset or not a positive whole number. */
export function fileMaxBytes(env: Pick<Env, "FILE_MAX_BYTES">): number {
  const parsed = Number(env.FILE_MAX_BYTES);
  return Number.isSafeInteger(parsed) && parsed > 0 ? parsed : DEFAULT_FILE_MAX_BYTES;
}

/** The declared type without parameters (`text/plain; charset=utf-8` → `text/plain`), if allowed. */
export function allowedType(contentType: string | null): FileType | null {
  const type = (contentType ?? "").split(";")[0]!.trim().toLowerCase();
  return (FILE_TYPES as readonly string[]).includes(type) ? (type as FileType) : null;
}

const startsWith = (bytes: Uint8Array, prefix: readonly number[], at = 0): boolean =>
  bytes.length >= at + prefix.length && prefix.every((b, i) => bytes[at + i] === b);
const ascii = (text: string): number[] => [...text].map((c) => c.charCodeAt(0));

/** The signatures the binary types start with. */
const MAGIC: Record<string, (bytes: Uint8Array) => boolean> = {
  "image/png": (b) => startsWith(b, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  "image/jpeg": (b) => startsWith(b, [0xff, 0xd8, 0xff]),
  "image/gif": (b) => startsWith(b, ascii("GIF87a")) || startsWith(b, ascii("GIF89a")),
  "image/webp": (b) => startsWith(b, ascii("RIFF")) && startsWith(b, ascii("WEBP"), 8),
  "application/pdf": (b) => startsWith(b, ascii("%PDF-")),
};

/**
 * Whether the content is what `type` says: the signature for images and PDFs, valid UTF-8
 * (no NUL byte: that is a binary file posing as text) for the text types and JSON.
 */
export function contentMatches(type: FileType, bytes: Uint8Array): boolean {
  const magic = MAGIC[type];
  if (magic) return magic(bytes);
  if (bytes.includes(0)) return false;
  try {
    new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/** Control characters and the bidirectional overrides that could disguise a name. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is removed
const UNSAFE_IN_NAME = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * The name a file keeps: percent-decoded (as the header carries it), its last path
 * segment only, control and bidirectional-override characters taken out, trimmed and cut
 * to MAX_FILE_NAME characters (whole code points). Null when nothing usable is left.
 */
export function sanitizeFileName(header: string | null): string | null {
  if (header === null) return null;
  let name: string;
  try {
    name = decodeURIComponent(header);
  } catch {
    return null;
  }
  const cleaned = (name.split(/[/\\]/).pop() ?? "").replace(UNSAFE_IN_NAME, "").trim();
  const cut = [...cleaned].slice(0, MAX_FILE_NAME).join("").trim();
  return cut && cut !== "." && cut !== ".." ? cut : null;
}

export type CappedBody = { ok: true; bytes: Uint8Array } | { ok: false; reason: "too_large" | "empty" };

/**
 * Reads a request body up to `max` bytes: past it, the stream is cancelled at once and
 * nothing more is read, so no upload holds more than the cap in memory.
 */
export async function readCapped(body: ReadableStream<Uint8Array> | null, max: number): Promise<CappedBody> {
  if (!body) return { ok: false, reason: "empty" };
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel("over the size limit").catch(() => {});
      return { ok: false, reason: "too_large" };
    }
    chunks.push(value);
  }
  if (size === 0) return { ok: false, reason: "empty" };
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.byteLength;
  }
  return { ok: true, bytes };
}
