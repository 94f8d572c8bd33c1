import { FILE_ERROR_STATUS } from "../../shared/api/files";
import { HTTP_ERROR_STATUS, type HttpErrorBody } from "../../shared/api/errors";

type FileErrorCode = keyof typeof HTTP_ERROR_STATUS | keyof typeof FILE_ERROR_STATUS;

/** Our error body (`{error: {code, message}}`) with the status its code stands for. */
export function fileError(code: FileErrorCode, message: string, headers: HeadersInit = {}): Response {
  const status =
    code in FILE_ERROR_STATUS
      ? FILE_ERROR_STATUS[code as keyof typeof FILE_ERROR_STATUS]
      : HTTP_ERROR_STATUS[code as keyof typeof HTTP_ERROR_STATUS];
  return Response.json({ error: { code, message } } satisfies HttpErrorBody, { status, headers });
}

/** How long a browser may keep a file: its bytes never change under its id. */
export const FILE_MAX_AGE_S = 24 * 60 * 60;

/** `filename*` as RFC 8187 spells it: UTF-8, percent-encoded, nothing a header could misread. */
const encodedName = (name: string): string =>
  encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/**
 * The headers a file is served with. Whatever it holds, it is never run: no sniffing,
 * a CSP that allows nothing and sandboxes a document opened directly; only raster images
 * show in place, every other type downloads.
 */
export function downloadHeaders(type: string, name: string, size: number, inline: boolean): Headers {
  const text = type.startsWith("text/") || type === "application/json";
  return new Headers({
    "content-type": text ? `${type}; charset=utf-8` : type,
    "content-length": String(size),
    "x-content-type-options": "nosniff",
    "content-security-policy": "default-src 'none'; sandbox",
    "content-disposition": `${inline ? "inline" : "attachment"}; filename*=UTF-8''${encodedName(name)}`,
    "cache-control": `private, max-age=${FILE_MAX_AGE_S}, immutable`,
  });
}
