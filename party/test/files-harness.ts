import { SELF } from "cloudflare:test";
import type { FileUploadResult } from "../../shared/api/files";
import { ORIGIN } from "./harness";

/** The smallest real PNG (1×1, one transparent pixel). */
export const PNG = Uint8Array.from(
  atob("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="),
  (c) => c.charCodeAt(0),
);
export const JPEG_START = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46]);
export const PDF = new TextEncoder().encode("%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n");

export type FileCreds = { cookie: string } | { key: string } | Record<string, never>;

export interface Upload {
  type?: string;
  /** Sent as is in x-file-name (already encoded); null leaves the header out. */
  rawName?: string | null;
  name?: string;
  /** A stream without a declared length (the server must count what it reads). */
  stream?: boolean;
  headers?: Record<string, string>;
}

function headersFor(creds: FileCreds, extra: Record<string, string> = {}): Headers {
  const headers = new Headers({ origin: ORIGIN, ...extra });
  if ("cookie" in creds) headers.set("cookie", creds.cookie);
  if ("key" in creds) headers.set("x-api-key", creds.key);
  return headers;
}

/** `POST /files/<ws>` as the app (or an agent) sends it. */
export async function upload(
  workspaceId: string,
  creds: FileCreds,
  bytes: Uint8Array,
  options: Upload = {},
): Promise<{ status: number; body: FileUploadResult & { error?: { code: string; message: string } } }> {
  const headers = headersFor(creds, options.headers);
  headers.set("content-type", options.type ?? "image/png");
  const rawName = options.rawName === undefined ? encodeURIComponent(options.name ?? "pixel.png") : options.rawName;
  if (rawName !== null) headers.set("x-file-name", rawName);
  const body = options.stream
    ? new ReadableStream<Uint8Array>({
        start(controller) {
          // In pieces, as a slow client sends them.
          for (let at = 0; at < bytes.length; at += 4096) controller.enqueue(bytes.slice(at, at + 4096));
          controller.close();
        },
      })
    : bytes;
  const res = await SELF.fetch(`${ORIGIN}/files/${workspaceId}`, { method: "POST", headers, body });
  return { status: res.status, body: (await res.json()) as never };
}

/** `GET /files/<ws>/<id>`. */
export function download(
  workspaceId: string,
  fileId: string,
  creds: FileCreds,
  extra: Record<string, string> = {},
): Promise<Response> {
  const headers = headersFor(creds, extra);
  headers.delete("origin"); // an <img> or a link sends none
  return SELF.fetch(`${ORIGIN}/files/${workspaceId}/${fileId}`, { headers });
}

/** Uploads that must succeed; the file's id. */
export async function uploaded(
  workspaceId: string,
  creds: FileCreds,
  bytes: Uint8Array = PNG,
  options: Upload = {},
): Promise<string> {
  const res = await upload(workspaceId, creds, bytes, options);
  if (res.status !== 201) throw new Error(`upload failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.file.id;
}
